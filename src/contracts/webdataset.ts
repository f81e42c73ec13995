/**
 * Webdataset member naming (docs/contracts.md): a tar member `dir/KEY.EXT` belongs to the sample KEY,
 * and consecutive members with one key form a sample. Every dcbench reader and writer of webdataset
 * tars (DataComp pool shards, training shards, eval datasets) splits names here, so all agree with
 * webdataset itself.
 */

/**
 * webdataset's `base_plus_ext` (tariterators.py, identical in 0.2.31 and 0.2.90): the key is the path
 * up to the first dot of the base name, the extension everything after it; `group_by_keys` then
 * lower-cases the extension. Names without a dot in the base name (or a base name that starts with
 * one) have no key: webdataset skips them.
 */
export function splitMemberName(name: string): {key: string; ext: string} | undefined {
  const match = /^((?:.*\/|)[^.]+)[.]([^/]*)$/.exec(name)
  return match ? {key: match[1] as string, ext: (match[2] as string).toLowerCase()} : undefined
}
