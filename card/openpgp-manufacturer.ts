// The manufacturer of an OpenPGP card, from AID bytes 9-10 (OpenPGP card 3.4 §4.2.1). The registry is kept by
// the GnuPG project (GnuPG scd/app-openpgp.c get_manufacturer); 0000 and FFFF are test cards, and FF00-FFFE
// are unmanaged (test) numbers, which is what simulators and self-made cards use.
const MANUFACTURERS: Readonly<Record<number, string>> = {
  0x0001: 'PPC Card Systems',
  0x0002: 'Prism',
  0x0003: 'OpenFortress',
  0x0004: 'Wewid',
  0x0005: 'ZeitControl',
  0x0006: 'Yubico',
  0x0007: 'OpenKMS',
  0x0008: 'LogoEmail',
  0x0009: 'Fidesmo',
  0x000a: 'VivoKey',
  0x000b: 'Feitian',
  0x000d: 'Dangerous Things',
  0x000e: 'Excelsecu',
  0x000f: 'Nitrokey',
  0x002a: 'Magrathea',
  0x0042: 'GnuPG e.V.',
  0x1337: 'Warsaw Hackerspace',
  0x63af: 'Trustica',
  0xf517: 'FSIJ',
};

/** "Yubico", "Nitrokey", "test card", or "manufacturer 0x1234" when the registry does not name it. */
export function openPgpManufacturer(id: number): string {
  if (id === 0x0000 || id >= 0xff00) return 'test card';
  return MANUFACTURERS[id] ?? `manufacturer 0x${id.toString(16).padStart(4, '0')}`;
}
