package dev.rankwise.runtime.data;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks shared by task declarations and task file readers. */
final class DataChecks {

  private DataChecks() {}

  /** Checks that a JSON field name is given. */
  static String field(String what, String field) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException(what + " must be a non-empty JSON field name, got " + quoted(field));
    }
    return field;
  }

  /** Checks that the labels are at least two distinct non-blank names and returns an immutable copy. */
  static List<String> labels(List<String> labels) {
    if (labels == null || labels.size() < 2) {
      throw new IllegalArgumentException(
          "labels must name at least two classes (index 0 first), got " + labels);
    }
    Set<String> seen = new HashSet<>();
    for (String label : labels) {
      if (label == null || label.isBlank()) {
        throw new IllegalArgumentException("labels must not be blank, got " + labels);
      }
      if (!seen.add(label)) {
        throw new IllegalArgumentException(
            "labels must be distinct, got " + quoted(label) + " twice in " + labels);
      }
    }
    return List.copyOf(labels);
  }

  /** Returns the value in double quotes, or {@code null}. */
  static String quoted(String value) {
    return value == null ? "null" : '"' + value + '"';
  }
}
