/**
 * The tiny synthetic world that tiny pools and tiny eval suites are generated from. Stable API:
 * image world (scenes, rendering, captions, JPEG), text world (people, cities, facts, documents),
 * junk generators of both, and the vocabularies. See docs/pools-and-subsets.md.
 */
export * from './image-world.js'
export * from './image-junk.js'
export * from './text-world.js'
export * from './text-junk.js'
export * from './vocabulary.js'
export * from './english.js'
