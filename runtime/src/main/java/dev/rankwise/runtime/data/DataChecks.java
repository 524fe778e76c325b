package dev.rankwise.runtime.data;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks shared by task declarations and task file readers. */
final class DataChecks {

  private static final Pattern GSON_POSITION = Pattern.compile(" at line \\d+ column (\\d+)");

  private DataChecks() {}

  /** Checks that a JSON field name is given. */
  static String field(String what, String field) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException(
          what + " must be a non-empty JSON field name, got " + quoted(field));
    }
    return field;
  }

  /**
   * Checks that the labels are at least two distinct non-blank names and returns an immutable copy.
   */
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

  /** Whether the reader has nothing left but whitespace. */
  static boolean atEnd(JsonReader reader) {
    try {
      return reader.peek() == JsonToken.END_DOCUMENT;
    } catch (IOException | IllegalStateException e) {
      return false;
    }
  }

  /**
   * Gson's reason for rejecting JSON, for a user: its help link dropped, its advice to the
   * programmer replaced, and, for a single line, its position made a column.
   */
  static String gsonReason(Exception e, boolean singleLine) {
    String message = String.valueOf(e.getMessage());
    int help = message.indexOf("\nSee ");
    if (help >= 0) {
      message = message.substring(0, help);
    }
    message =
        message.replace(
            "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
            "not standard JSON (names and strings need double quotes, no comments)");
    return singleLine ? GSON_POSITION.matcher(message).replaceFirst(" at column $1") : message;
  }

  /** Returns the value in double quotes, or {@code null}. */
  static String quoted(String value) {
    return value == null ? "null" : '"' + value + '"';
  }
}
