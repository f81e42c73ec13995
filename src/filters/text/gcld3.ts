/**
 * Google's CLD3 language identifier (the `gcld3` Python package DataComp's laion2b baseline uses)
 * through `cld3-asm`: CLD3's C++ compiled to WebAssembly, model included, no native addon.
 * Unverified: gcld3 itself is not installable here (no PyPI), so agreement with it rests on both
 * being builds of the same google/cld3 source; tests check cld3-asm's answers on plain sentences.
 */
export interface Cld3Identifier {
  /** The language code of the text (`und` when CLD3 cannot tell), as gcld3's `FindLanguage(text).language`. */
  language(text: string): string
  dispose(): void
}

/** A CLD3 identifier with gcld3's constructor arguments (laion2b: min 0 bytes, max 1000 bytes). */
export async function loadCld3(minBytes = 0, maxBytes = 1000): Promise<Cld3Identifier> {
  const {loadModule} = await import('cld3-asm')
  const factory = await loadModule()
  const identifier = factory.create(minBytes, maxBytes)
  return {
    language: (text) => identifier.findLanguage(text).language,
    dispose: () => identifier.dispose(),
  }
}
