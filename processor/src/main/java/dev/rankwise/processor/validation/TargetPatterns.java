package dev.rankwise.processor.validation;

import java.util.regex.Pattern;

/** The syntax of block-path patterns, as the runtime matches them. */
final class TargetPatterns {

  private static final Pattern SEGMENT = Pattern.compile("\\*\\*|\\*|[A-Za-z0-9_-]+");

  private TargetPatterns() {}

  static boolean isWellFormed(String target) {
    if (target.isBlank()) {
      return false;
    }
    for (String segment : target.split("\\.", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }
}
