/**
 * The metrics DataComp reports (spec §4.1), as pure functions over predictions. Where upstream
 * returns a float32 tensor's `.item()` (WILDS metrics, clip_benchmark retrieval), values are
 * rounded to float32 the same way, so results files carry the same numbers.
 */
import {numpyMean} from '../datacomp/numpy-mean.js'

const f32 = Math.fround

/**
 * Indices of the k largest values, largest first. Ties keep the lower index first (torch.topk's
 * order among equal values is unspecified: inferred, matters only for exactly tied logits).
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (best.length === k && v <= (values[best[k - 1] as number] as number)) continue
    let pos = best.length
    while (pos > 0 && v > (values[best[pos - 1] as number] as number)) pos--
    best.splice(pos, 0, i)
    if (best.length > k) best.pop()
  }
  return best
}

/** clip_benchmark's accuracy: correct/n as a Python float (top-k rows, label per row). */
export function topKAccuracy(topk: readonly number[][], labels: readonly number[], k: number): number {
  let hit = 0
  topk.forEach((row, i) => {
    if (row.slice(0, k).includes(labels[i] as number)) hit++
  })
  return hit / labels.length
}

/** sklearn balanced_accuracy_score: mean recall over the classes present in y_true (numpy mean). */
export function balancedAccuracy(labels: readonly number[], preds: readonly number[]): number {
  const total = new Map<number, number>()
  const correct = new Map<number, number>()
  labels.forEach((y, i) => {
    total.set(y, (total.get(y) ?? 0) + 1)
    if (preds[i] === y) correct.set(y, (correct.get(y) ?? 0) + 1)
  })
  // sklearn orders classes by sorted label value (np.unique of y_true ∪ y_pred).
  const classes = [...total.keys()].sort((a, b) => a - b)
  return numpyMean(classes.map((c) => (correct.get(c) ?? 0) / (total.get(c) as number)))
}

/** acc1, acc5 (null under 5 classes) and mean_per_class_recall, as evaluate_webdataset reports them. */
export function classificationMetrics(topk: readonly number[][], labels: readonly number[], numClasses: number): {acc1: number; acc5: number | null; mean_per_class_recall: number} {
  return {
    acc1: topKAccuracy(topk, labels, 1),
    acc5: numClasses >= 5 ? topKAccuracy(topk, labels, 5) : null,
    mean_per_class_recall: balancedAccuracy(labels, topk.map((row) => row[0] as number)),
  }
}

/** sklearn macro recall and F1 over `labels = unique(y_true)` (WILDS Recall/F1), rounded to float32 like torch.tensor(score). */
export function macroRecallF1(labels: readonly number[], preds: readonly number[]): {recall: number; f1: number} {
  const classes = [...new Set(labels)].sort((a, b) => a - b)
  const tp = new Map<number, number>()
  const fp = new Map<number, number>()
  const fn = new Map<number, number>()
  labels.forEach((y, i) => {
    const p = preds[i] as number
    if (p === y) tp.set(y, (tp.get(y) ?? 0) + 1)
    else {
      fn.set(y, (fn.get(y) ?? 0) + 1)
      fp.set(p, (fp.get(p) ?? 0) + 1)
    }
  })
  const recalls: number[] = []
  const f1s: number[] = []
  for (const c of classes) {
    const t = tp.get(c) ?? 0
    const precDen = t + (fp.get(c) ?? 0)
    const recDen = t + (fn.get(c) ?? 0)
    const precision = precDen === 0 ? 0 : t / precDen
    const recall = recDen === 0 ? 0 : t / recDen
    recalls.push(recall)
    // sklearn 1.1: f = (1 + β²)·P·R / (β²·P + R) with β = 1; 0 when P + R = 0.
    const den = precision + recall
    f1s.push(den === 0 ? 0 : (2 * precision * recall) / den)
  }
  return {recall: f32(numpyMean(recalls)), f1: f32(numpyMean(f1s))}
}

/** A WILDS CombinatorialGrouper over integer metadata columns (spec §4.1; group names numeric). */
export interface Grouping {
  /** Field names in groupby order, e.g. ['gender', 'race']. */
  fields: string[]
  /** Per sample, the value of each field. */
  values: number[][]
}

/** Group index per sample and the `field:value_…` name of each group, as wilds v2.0.0 names them. */
export function groupSamples(grouping: Grouping): {groups: number[]; names: string[]} {
  const cardinality = grouping.fields.map((_, f) => 1 + Math.max(...grouping.values.map((v) => v[f] as number)))
  const factors = cardinality.map((_, f) => cardinality.slice(0, f).reduce((a, b) => a * b, 1))
  const n = cardinality.reduce((a, b) => a * b, 1)
  const groups = grouping.values.map((v) => v.reduce((sum, x, f) => sum + x * (factors[f] as number), 0))
  const names = Array.from({length: n}, (_, g) => {
    const parts = grouping.fields.map((field, f) => {
      const next = factors[f + 1]
      const value = next === undefined ? Math.floor(g / (factors[f] as number)) : Math.floor((g % next) / (factors[f] as number))
      return `${field}:${value}`
    })
    // wilds writes the fields last-first: "race = 1, gender = 0" → "race:1_gender:0".
    return parts.reverse().join('_')
  })
  return {groups, names}
}

/**
 * WILDS `standard_group_eval` of an element-wise metric (1 = correct): `{name}_avg`,
 * `{name}_{group}` and `count_{group}` for every group (empty groups: NaN and 0.0 — datacomp replaces
 * wilds' avg_over_groups with scatter-add ÷ count, so 0/0; inferred from the code), and `{name}_wg`,
 * the minimum over non-empty groups. All float32 values, like the torch tensors upstream.
 */
export function groupEval(name: string, correct: readonly number[], grouping: Grouping): Record<string, number> {
  const {groups, names} = groupSamples(grouping)
  const sums = new Array<number>(names.length).fill(0)
  const counts = new Array<number>(names.length).fill(0)
  correct.forEach((c, i) => {
    const g = groups[i] as number
    sums[g] = (sums[g] as number) + c
    counts[g] = (counts[g] as number) + 1
  })
  const out: Record<string, number> = {[`${name}_avg`]: f32(correct.reduce((a, b) => a + b, 0) / correct.length)}
  let worst = Infinity
  names.forEach((group, g) => {
    const count = counts[g] as number
    const value = count === 0 ? Number.NaN : f32((sums[g] as number) / count)
    out[`${name}_${group}`] = value
    out[`count_${group}`] = count
    if (count > 0 && value < worst) worst = value
  })
  out[`${name}_wg`] = worst === Infinity ? 0 : worst
  return out
}

/**
 * clip_benchmark 1.4.0 retrieval recalls from a [texts × images] score matrix: image retrieval is
 * per caption (its image in the caption's top-k images), text retrieval per image (any of its
 * captions in the image's top-k captions); float32 means; plus DataComp's mean_recall@1.
 */
export function retrievalMetrics(scores: Float32Array | Float64Array, nTexts: number, nImages: number, imageOfText: readonly number[], ks = [1, 5, 10]): Record<string, number> {
  const out: Record<string, number> = {}
  const maxK = Math.max(...ks)
  const perText = Array.from({length: nTexts}, (_, t) => topK(scores.subarray(t * nImages, (t + 1) * nImages), Math.min(maxK, nImages)))
  const column = new Float64Array(nTexts)
  const perImage = Array.from({length: nImages}, (_, i) => {
    for (let t = 0; t < nTexts; t++) column[t] = scores[t * nImages + i] as number
    return topK(column, Math.min(maxK, nTexts))
  })
  const captionsOf = Array.from({length: nImages}, () => new Set<number>())
  imageOfText.forEach((img, t) => captionsOf[img]?.add(t))
  for (const k of ks) {
    let hitsText = 0
    perText.forEach((row, t) => {
      if (row.slice(0, k).includes(imageOfText[t] as number)) hitsText++
    })
    let hitsImage = 0
    perImage.forEach((row, i) => {
      if (row.slice(0, k).some((t) => captionsOf[i]?.has(t))) hitsImage++
    })
    out[`image_retrieval_recall@${k}`] = f32(hitsText / nTexts)
    out[`text_retrieval_recall@${k}`] = f32(hitsImage / nImages)
  }
  // Key order as clip_benchmark writes them: image then text per k.
  const ordered: Record<string, number> = {}
  for (const k of ks) {
    ordered[`image_retrieval_recall@${k}`] = out[`image_retrieval_recall@${k}`] as number
    ordered[`text_retrieval_recall@${k}`] = out[`text_retrieval_recall@${k}`] as number
  }
  ordered['mean_recall@1'] = 0.5 * ((ordered['text_retrieval_recall@1'] as number) + (ordered['image_retrieval_recall@1'] as number))
  return ordered
}

/** sklearn binary jaccard_score of two indicator vectors (0 when both are empty, as sklearn's zero_division default). */
export function jaccard(truth: readonly boolean[], pred: readonly boolean[]): number {
  let inter = 0
  let union = 0
  truth.forEach((t, i) => {
    if (t && pred[i]) inter++
    if (t || pred[i]) union++
  })
  return union === 0 ? 0 : inter / union
}

/** One WinoGAViL item scored: similarity of the cue to each candidate, and which candidates are gold. */
export interface WinoItem {
  similarities: readonly number[]
  gold: readonly boolean[]
}

/**
 * The candidates wino_eval.py picks for an item: as many as it has associations, the most similar to
 * the cue (np.argsort ascending, the last n; equal similarities keep index order), in that order; and
 * the similarity of the last one picked and the first one left out, when there is one.
 */
export function winogavilChoice(item: WinoItem): {chosen: number[]; boundary: [number, number] | null} {
  const n = item.gold.filter(Boolean).length
  const order = [...item.similarities.keys()].sort((a, b) => (item.similarities[a] as number) - (item.similarities[b] as number) || a - b)
  const chosen = n === 0 ? [] : order.slice(-n)
  const cut = order.length - n
  const boundary: [number, number] | null = n > 0 && cut > 0 ? [item.similarities[order[cut] as number] as number, item.similarities[order[cut - 1] as number] as number] : null
  return {chosen, boundary}
}

/**
 * DataComp's WinoGAViL score: pick the top-n candidates (n = number of gold associations) by
 * similarity (np.argsort ascending, last n: ties broken by sort order — inferred), Jaccard against
 * gold; means over all items and by candidate count. Empty groups give NaN as numpy does.
 */
export function winogavilMetrics(items: readonly WinoItem[]): Record<string, number> {
  const scores: number[] = []
  const sizes: number[] = []
  for (const item of items) {
    const chosen = new Set(winogavilChoice(item).chosen)
    scores.push(jaccard(item.gold, item.similarities.map((_, i) => chosen.has(i))))
    sizes.push(item.similarities.length)
  }
  const mean = (keep: (size: number) => boolean) => numpyMean(scores.filter((_, i) => keep(sizes[i] as number)))
  return {
    avg_jaccard_score: mean(() => true),
    jaccard_score_5: mean((s) => s === 5),
    jaccard_score_6: mean((s) => s === 6),
    jaccard_score_10: mean((s) => s === 10),
    jaccard_score_12: mean((s) => s === 12),
    'jaccard_score_5-6': mean((s) => s <= 6),
    'jaccard_score_10-12': mean((s) => s >= 10),
  }
}

/** WinoGAViL's prompt: "An {cue}" when the lower-cased cue starts with a vowel, else "A {cue}". */
export function winogavilPrompt(cue: string): string {
  const item = cue.toLowerCase()
  return 'aeiou'.includes(item[0] ?? '') && item !== '' ? `An ${item}` : `A ${item}`
}
