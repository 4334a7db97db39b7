import { flagOf, optionsOf, type FeatureManifest } from './manifest.js';

export type OptionAnswers = Record<string, string>;

/**
 * The constraint violations among the answered options (unanswered ones are ignored, so this also
 * works on a partial answer set). Each message names both flags and the manifest's reason.
 */
export function violations(features: readonly FeatureManifest[], answers: Readonly<Partial<OptionAnswers>>): string[] {
  const found: string[] = [];
  for (const option of optionsOf(features)) {
    const value = answers[option.id];
    const choice = option.choices.find((c) => c.value === value);
    if (!choice) continue;
    const subject = `${flagOf(option.id)} ${value}`;
    for (const constraint of choice.requires ?? []) {
      const other = answers[constraint.option];
      if (other !== undefined && !constraint.values.includes(other)) {
        found.push(`${subject} requires ${flagOf(constraint.option)} ${constraint.values.join(' or ')} (got ${other}): ${constraint.reason}`);
      }
    }
    for (const constraint of choice.conflicts ?? []) {
      const other = answers[constraint.option];
      if (other !== undefined && constraint.values.includes(other)) {
        found.push(`${subject} conflicts with ${flagOf(constraint.option)} ${other}: ${constraint.reason}`);
      }
    }
  }
  return found;
}

/** Every valid combination of the declared options, in declaration order (the first choices vary slowest). */
export function allCombinations(features: readonly FeatureManifest[]): OptionAnswers[] {
  let partials: OptionAnswers[] = [{}];
  for (const option of optionsOf(features)) {
    // pruning as we go keeps the product small and the order stable
    partials = partials.flatMap((p) => option.choices.map((c) => ({ ...p, [option.id]: c.value }))).filter((p) => violations(features, p).length === 0);
  }
  return partials;
}

/** The valid combinations that agree with every answered option. */
export function completions(features: readonly FeatureManifest[], partial: Readonly<Partial<OptionAnswers>>): OptionAnswers[] {
  return allCombinations(features).filter((combo) => Object.entries(partial).every(([k, v]) => v === undefined || combo[k] === v));
}

/**
 * The completion of `partial` closest to `preferred`: options are considered in prompt order and each keeps its
 * preferred value when some valid completion allows it.
 */
export function preferredCompletion(
  features: readonly FeatureManifest[],
  partial: Readonly<Partial<OptionAnswers>>,
  preferred: Readonly<OptionAnswers>,
): OptionAnswers | undefined {
  let candidates = completions(features, partial);
  for (const option of optionsOf(features)) {
    const keep = candidates.filter((c) => c[option.id] === preferred[option.id]);
    if (keep.length) candidates = keep;
  }
  return candidates[0];
}

/**
 * A subset of the valid combinations covering every pair of option values that occurs in some valid
 * combination (greedy, deterministic). It grows with the square of the choices, not their product.
 */
export function pairwiseCombinations(features: readonly FeatureManifest[]): OptionAnswers[] {
  const all = allCombinations(features);
  const ids = optionsOf(features).map((o) => o.id);
  // a single option (or none) has no pairs; its values still each need one combination
  if (ids.length < 2) return all;
  const pairsOf = (combo: OptionAnswers): string[] => {
    const pairs: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) pairs.push(`${ids[i]}=${combo[ids[i]!]}&${ids[j]}=${combo[ids[j]!]}`);
    }
    return pairs;
  };
  const uncovered = new Set(all.flatMap(pairsOf));
  const chosen: OptionAnswers[] = [];
  while (uncovered.size) {
    let best: OptionAnswers | undefined;
    let bestGain = 0;
    for (const combo of all) {
      const gain = pairsOf(combo).filter((p) => uncovered.has(p)).length;
      if (gain > bestGain) {
        best = combo;
        bestGain = gain;
      }
    }
    if (!best) break;
    chosen.push(best);
    for (const p of pairsOf(best)) uncovered.delete(p);
  }
  return chosen;
}

/** The flags that reproduce a combination, e.g. for a CI matrix entry. */
export function combinationFlags(features: readonly FeatureManifest[], combo: Readonly<OptionAnswers>): string[] {
  return optionsOf(features).flatMap((o) => [flagOf(o.id), combo[o.id]!]);
}
