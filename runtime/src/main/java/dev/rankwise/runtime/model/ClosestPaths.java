package dev.rankwise.runtime.model;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Finds the real paths nearest to a pattern that matched nothing, for error messages. */
final class ClosestPaths {

  private ClosestPaths() {}

  /** Up to {@code limit} candidates ordered by edit distance to {@code pattern}, then by name. */
  public static List<String> to(String pattern, Collection<String> candidates, int limit) {
    return candidates.stream()
        .sorted(
            Comparator.comparingInt((String path) -> editDistance(pattern, path))
                .thenComparing(Comparator.naturalOrder()))
        .limit(limit)
        .toList();
  }

  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
