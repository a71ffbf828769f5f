// The two vitest projects (vitest.config.ts): the product's tests, then the stand-ins' (the Plaid
// emulator and the local platform). One vitest run orders them with sequence.groupOrder, so a product
// change meets the product's tests first; the test command reports each project on its own line.
export const standInFolders = ['tests/emulator', 'tests/platform'];

export type VitestProject = 'product' | 'stand-ins';

/** The project a test file (absolute or repository-relative path) belongs to. */
export function projectOf(file: string): VitestProject {
  const path = file.replaceAll('\\', '/');
  return standInFolders.some((f) => path.startsWith(`${f}/`) || path.includes(`/${f}/`)) ? 'stand-ins' : 'product';
}
