"""Restates llm-foundry 0.9.0's ICL prompt construction (in_context_learning_evaluation.py, utils.py at
the v0.9.0 tag) in plain Python, with CPython's own `random`, `set`, `str.strip` and `json`, so that
tests can compare dcbench's TypeScript port string for string. Input (stdin, JSON): a list of
{file, type, settings, prefix_space, limit}; output: per case the first `limit` examples as
{preamble, contexts, continuations}."""
import json
import random
import sys


def fewshot_idxs(n, k, ex, rng):
    k = min(n - 1, k)
    s = set(rng.sample(range(0, n), k))
    if ex in s:
        s.remove(ex)
        if len(s) >= n - 1:
            return s
        r = rng.choice(range(0, n))
        while r in s or r == ex:
            r = rng.choice(range(0, n))
        s.add(r)
    return s


def load(path, typ, category):
    rows = [json.loads(line) for line in open(path, encoding='utf8') if line.strip()]
    if category is not None:  # partition_dataset_by_category: raw rows with that category, file order
        rows = [r for r in rows if r['category'] == category]
    if typ == 'generation_task_with_answers':
        has_cot = any('chain_of_thought' in r for r in rows)
        rows = [dict(r, aliases=list(set([r['answer']] + r.get('aliases', []))), chain_of_thought=r.get('chain_of_thought', '')) for r in rows]
    else:
        has_cot = False
    rows = [{k: v.strip() if isinstance(v, str) else v for k, v in r.items()} for r in rows]
    return rows, has_cot


def run(case):
    typ, s, prefix_space = case['type'], case['settings'], case['prefix_space']
    rows, has_cot = load(case['file'], typ, case.get('category'))
    ctx_key = {'language_modeling': 'context', 'multiple_choice': 'query', 'generation_task_with_answers': 'context'}.get(typ)

    def answer(ex):
        if typ == 'language_modeling':
            return ex['continuation']
        if typ == 'multiple_choice':
            return ex['choices'][ex['gold']]
        if has_cot:
            return f"{ex['chain_of_thought']}{s['cot_delimiter']}{ex['answer']}"
        return ex['answer']

    def construct(ex, preceding, add_answer):
        if typ == 'schema':
            context = ex['context_options'][ex['gold']]
            if len(preceding) > 0:
                context = f"{s['example_delimiter']}{context}"
            return f"{s['prelimiter']}{context}{s['continuation_delimiter']}{ex['continuation']}"
        ctxt = f"{s['prelimiter']}{ex[ctx_key]}"
        if len(preceding) > 0:
            ctxt = f"{s['example_delimiter']}{ctxt}"
        ctxt = f"{ctxt}{s['continuation_delimiter']}"
        if add_answer:
            ctxt = f'{ctxt}{answer(ex)}'
        return ctxt

    def space(t):
        return f' {t}' if prefix_space and not t.startswith(' ') else t

    rng = random.Random(s['fewshot_random_seed'])
    out = []
    for i, ex in enumerate(rows):
        pre = s['prompt_string']
        if s['num_fewshot'] > 0:
            for j in fewshot_idxs(len(rows), s['num_fewshot'], i, rng):
                pre += construct(rows[j], pre, True)
        if i >= case['limit']:
            continue
        if typ == 'schema':
            if len(pre) > 0:
                cd = s['continuation_delimiter'].rstrip()
                contexts = [f"{s['prelimiter']}{s['example_delimiter']}{c}{cd}" for c in ex['context_options']]
            else:
                contexts = [f"{s['prelimiter']}{c}" for c in ex['context_options']]
            out.append({'preamble': pre, 'contexts': contexts, 'continuations': [space(ex['continuation'])]})
        else:
            ctxt = construct(ex, pre, False).rstrip()
            conts = {'language_modeling': lambda: [space(ex['continuation'])], 'multiple_choice': lambda: [space(c) for c in ex['choices']], 'generation_task_with_answers': lambda: []}[typ]()
            out.append({'preamble': pre, 'contexts': [ctxt], 'continuations': conts})
    return out


if __name__ == '__main__':
    print(json.dumps([run(c) for c in json.load(sys.stdin)], ensure_ascii=False))
