/** The valid_policy_tree of RFC 5280 §6.1.2 (a), processed by §6.1.3 (d)-(e), §6.1.4 (b), §6.1.5 (g). */
import type { PolicyInfo } from './extensions.ts';
import { OID } from './oids.ts';

const ANY = OID.anyPolicy;

interface PolicyNode {
  readonly validPolicy: string;
  readonly qualifiers: readonly string[];
  expectedPolicySet: Set<string>;
  readonly parent: PolicyNode | undefined;
  readonly children: PolicyNode[];
  readonly depth: number;
}

function child(parent: PolicyNode, validPolicy: string, qualifiers: readonly string[], expected: Iterable<string>): PolicyNode {
  const n: PolicyNode = { validPolicy, qualifiers, expectedPolicySet: new Set(expected), parent, children: [], depth: parent.depth + 1 };
  parent.children.push(n);
  return n;
}

function remove(node: PolicyNode): void {
  const siblings = node.parent?.children;
  if (siblings) siblings.splice(siblings.indexOf(node), 1);
}

export class PolicyTree {
  private root: PolicyNode | undefined = {
    validPolicy: ANY, qualifiers: [], expectedPolicySet: new Set([ANY]), parent: undefined, children: [], depth: 0,
  };

  get isNull(): boolean {
    return this.root === undefined;
  }

  /** Nodes at `depth`. */
  private level(depth: number): PolicyNode[] {
    let nodes = this.root ? [this.root] : [];
    for (let d = 0; d < depth; d++) nodes = nodes.flatMap((n) => n.children);
    return nodes;
  }

  /** Deletes, repeatedly, nodes of depth < `depth` without children (§6.1.3 (d)(3)). */
  private prune(depth: number): void {
    for (let d = depth - 1; d >= 0; d--) {
      for (const n of this.level(d)) if (n.children.length === 0) remove(n);
    }
    if (this.root && this.root.children.length === 0 && depth > 0) this.root = undefined;
  }

  /** §6.1.3 (d): certificate i carries policies. `anyAllowed`: inhibit_anyPolicy > 0, or i < n and self-issued. */
  processCertificate(i: number, policies: readonly PolicyInfo[], anyAllowed: boolean): void {
    if (!this.root) return;
    const parents = this.level(i - 1);
    for (const p of policies) {
      if (p.oid === ANY) continue;
      const matching = parents.filter((n) => n.expectedPolicySet.has(p.oid));
      if (matching.length > 0) {
        for (const n of matching) child(n, p.oid, p.qualifiers, [p.oid]);
      } else {
        for (const n of parents.filter((m) => m.validPolicy === ANY)) child(n, p.oid, p.qualifiers, [p.oid]);
      }
    }
    const any = policies.find((p) => p.oid === ANY);
    if (any && anyAllowed) {
      for (const n of parents) {
        const have = new Set(n.children.map((c) => c.validPolicy));
        for (const e of n.expectedPolicySet) if (!have.has(e)) child(n, e, any.qualifiers, [e]);
      }
    }
    this.prune(i);
  }

  /** §6.1.3 (e): no certificate policies extension. */
  setNull(): void {
    this.root = undefined;
  }

  /** §6.1.4 (b): policy mappings of certificate i. */
  applyMappings(i: number, mappings: readonly { issuer: string; subject: string }[], mappingAllowed: boolean): void {
    if (!this.root) return;
    const byIssuer = new Map<string, string[]>();
    for (const m of mappings) byIssuer.set(m.issuer, [...(byIssuer.get(m.issuer) ?? []), m.subject]);
    const nodes = this.level(i);
    for (const [issuerPolicy, subjects] of byIssuer) {
      const hits = nodes.filter((n) => n.validPolicy === issuerPolicy);
      if (mappingAllowed) {
        if (hits.length > 0) {
          for (const n of hits) n.expectedPolicySet = new Set(subjects);
        } else {
          for (const anyNode of nodes.filter((n) => n.validPolicy === ANY)) {
            if (anyNode.parent) child(anyNode.parent, issuerPolicy, anyNode.qualifiers, subjects);
          }
        }
      } else {
        for (const n of hits) remove(n);
      }
    }
    if (!mappingAllowed) this.prune(i);
  }

  /**
   * §6.1.5 (g): the intersection with the user-initial-policy-set. Returns the
   * user-constrained policy set, empty when the tree is null.
   */
  intersect(n: number, initial: readonly string[]): string[] {
    if (!this.root) return [];
    if (!initial.includes(ANY)) {
      // (g)(iii)(1-2): nodes whose parent is anyPolicy, and not in the initial set, go.
      const boundary = this.allNodes().filter((m) => m.parent?.validPolicy === ANY);
      const boundaryPolicies = new Set<string>();
      for (const m of boundary) {
        if (m.validPolicy !== ANY && !initial.includes(m.validPolicy)) remove(m);
        else boundaryPolicies.add(m.validPolicy);
      }
      // (g)(iii)(3): an anyPolicy leaf stands in for each initial policy not yet present.
      for (const leaf of this.level(n).filter((m) => m.validPolicy === ANY)) {
        if (!leaf.parent) continue;
        for (const p of initial) if (!boundaryPolicies.has(p)) child(leaf.parent, p, leaf.qualifiers, [p]);
        remove(leaf);
      }
      this.prune(n);
    }
    if (!this.root) return [];
    // Expressed in the trust anchor's policy domain, as PKITS states it: for each depth-n node,
    // the ancestor whose parent is anyPolicy (mappings below it rename the policy, not the meaning).
    const out = new Set<string>();
    for (let m of this.level(n)) {
      while (m.parent && m.parent.validPolicy !== ANY) m = m.parent;
      out.add(m.validPolicy);
    }
    return [...out];
  }

  private allNodes(): PolicyNode[] {
    const out: PolicyNode[] = [];
    const walk = (m: PolicyNode): void => {
      out.push(m);
      for (const c of m.children) walk(c);
    };
    if (this.root) walk(this.root);
    return out;
  }
}
