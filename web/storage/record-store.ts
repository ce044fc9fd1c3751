// Small keyed stores for profiles, recent connections and remembered host keys: IndexedDB in
// personal mode, memory only in kiosk mode (no persistence). Nothing secret is ever stored:
// no passwords, no PINs (ARCHITECTURE.md, "PIN").
import { WebError } from '../errors.ts';

export interface RecordStore<T> {
  list(): Promise<T[]>;
  put(key: string, value: T): Promise<void>;
  remove(key: string): Promise<void>;
  clear(): Promise<void>;
}

/** Kiosk mode: forgotten when the page is cleared or closed. */
export class MemoryStore<T> implements RecordStore<T> {
  private readonly map = new Map<string, T>();
  async list(): Promise<T[]> { return [...this.map.values()]; }
  async put(key: string, value: T): Promise<void> { this.map.set(key, structuredClone(value)); }
  async remove(key: string): Promise<void> { this.map.delete(key); }
  async clear(): Promise<void> { this.map.clear(); }
}

const DB_NAME = 'tessera';
const DB_VERSION = 1;
export const STORE_NAMES = ['profiles', 'recent', 'known-hosts'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new WebError('STORAGE_FAILED', `The browser storage failed: ${req.error?.message ?? 'unknown error'}.`));
  });
}

let opening: Promise<IDBDatabase> | undefined;

function openDatabase(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      for (const name of STORE_NAMES) if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new WebError('STORAGE_UNAVAILABLE', 'The browser storage (IndexedDB) is unavailable; profiles will not be saved.'));
  });
  return opening;
}

/** Personal mode: one IndexedDB object store. */
export class IndexedDbStore<T> implements RecordStore<T> {
  constructor(private readonly name: StoreName) {}

  private async store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    const db = await openDatabase();
    return db.transaction(this.name, mode).objectStore(this.name);
  }

  async list(): Promise<T[]> { return request((await this.store('readonly')).getAll() as IDBRequest<T[]>); }
  async put(key: string, value: T): Promise<void> { await request((await this.store('readwrite')).put(value, key)); }
  async remove(key: string): Promise<void> { await request((await this.store('readwrite')).delete(key)); }
  async clear(): Promise<void> { await request((await this.store('readwrite')).clear()); }
}

export function createStore<T>(name: StoreName, persistent: boolean): RecordStore<T> {
  return persistent && typeof indexedDB !== 'undefined' ? new IndexedDbStore<T>(name) : new MemoryStore<T>();
}
