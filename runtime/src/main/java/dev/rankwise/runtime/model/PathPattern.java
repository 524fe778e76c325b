package dev.rankwise.runtime.model;

import java.util.List;

/**
 * A block-path pattern: segments separated by {@code .}, where {@code *} matches exactly one
 * segment and {@code **} any number of segments (none included); other segments match literally.
 */
final class PathPattern {

  private final String pattern;
  private final List<String> segments;

  private PathPattern(String pattern) {
    this.pattern = pattern;
    this.segments = List.of(pattern.split("\\.", -1));
  }

  /**
   * Parses a pattern.
   *
   * @throws IllegalArgumentException if the pattern is blank or has an empty segment
   */
  public static PathPattern parse(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      throw new IllegalArgumentException("a target pattern must not be blank");
    }
    PathPattern parsed = new PathPattern(pattern);
    if (parsed.segments.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException(
          "target pattern '" + pattern + "' has an empty segment; separate segments with one '.'");
    }
    return parsed;
  }

  /** Whether the path matches the whole pattern. */
  public boolean matches(String path) {
    List<String> pathSegments = path.isEmpty() ? List.of() : List.of(path.split("\\.", -1));
    return matches(0, pathSegments, 0);
  }

  private boolean matches(int p, List<String> path, int s) {
    if (p == segments.size()) {
      return s == path.size();
    }
    String segment = segments.get(p);
    if (segment.equals("**")) {
      for (int next = s; next <= path.size(); next++) {
        if (matches(p + 1, path, next)) {
          return true;
        }
      }
      return false;
    }
    return s < path.size()
        && (segment.equals("*") || segment.equals(path.get(s)))
        && matches(p + 1, path, s + 1);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
