package dev.rankwise.runtime.data;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a classification task's file, UTF-8: JSON Lines (one JSON object per line with a text field
 * and a label field), or, for a {@code .csv} file, RFC 4180 CSV whose header row names the columns
 * (read with Apache Commons CSV; a quoted field may span lines). A JSON Lines file is streamed line
 * by line with a bounded buffer; both are decoded strictly, so a bad byte or a huge line is
 * reported, not guessed at. Every problem is a {@link TaskFileException} whose message starts with
 * {@code file:line:} (for CSV, the line where the record starts).
 *
 * <p>A label may be a JSON string or a JSON number; it matches the declared label with the same
 * text ({@code 1} matches {@code "1"}, {@code 1.0} does not). Blank lines are skipped and counted
 * ({@link TaskExamples#blankLines()}), so a trailing empty line is harmless. Malformed lines stop
 * the read unless {@link Builder#optSkipMalformed(boolean)} asks to skip them, and then the result
 * counts them and keeps the first reasons: skipping is never silent.
 *
 * <pre>{@code
 * TaskExamples train =
 *     TaskFile.read(dir.resolve("train.jsonl"), "text", "label", List.of("ham", "spam"));
 * }</pre>
 */
public final class TaskFile {

  /** The default cap on a line's length in bytes (1 MiB). */
  public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

  /** How many reasons of skipped lines a result keeps. */
  public static final int KEPT_SKIP_REASONS = 5;

  private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
  private static final int SHOWN_FIELDS = 10;
  private static final String CSV_SUFFIX = ".csv";

  private final String textField;
  private final String labelField;
  private final List<String> labels;
  private final Map<String, Integer> labelIndex = new HashMap<>();
  private final boolean skipMalformed;
  private final int maxLineBytes;

  private TaskFile(Builder builder) {
    this.textField = DataChecks.field("textField", builder.textField);
    this.labelField = DataChecks.field("labelField", builder.labelField);
    this.labels = DataChecks.labels(builder.labels);
    for (int i = 0; i < labels.size(); i++) {
      labelIndex.put(labels.get(i), i);
    }
    if (builder.maxLineBytes < 1 || builder.maxLineBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "maxLineBytes must be in [1, "
              + (Integer.MAX_VALUE - 8)
              + "], got "
              + builder.maxLineBytes);
    }
    this.maxLineBytes = builder.maxLineBytes;
    this.skipMalformed = builder.skipMalformed;
  }

  /** Returns a builder; the fields and labels are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a task file, failing at its first malformed line.
   *
   * @param file the JSON Lines file
   * @param textField the field that holds the text
   * @param labelField the field that holds the label
   * @param labels the labels in class-index order
   * @return the examples in file order
   * @throws TaskFileException if the file is missing or a line is malformed
   * @throws IOException if the file cannot be read
   */
  public static TaskExamples read(
      Path file, String textField, String labelField, List<String> labels) throws IOException {
    return builder()
        .setTextField(textField)
        .setLabelField(labelField)
        .setLabels(labels)
        .build()
        .read(file);
  }

  /**
   * Reads a task file.
   *
   * @param file the JSON Lines file
   * @return the examples in file order, with the blank and skipped lines counted
   * @throws TaskFileException if the file is missing, or a line is malformed and skipping is off
   * @throws IOException if the file cannot be read
   */
  public TaskExamples read(Path file) throws IOException {
    Collected collected = new Collected();
    if (String.valueOf(file.getFileName()).endsWith(CSV_SUFFIX)) {
      try (CsvRecords records = new CsvRecords(file, open(file), maxLineBytes)) {
        while (records.next()) {
          collected.add(() -> example(file, records.lineNumber(), records.field(textField, "text", "textField"),
              records.field(labelField, "label", "labelField")));
        }
      }
    } else {
      try (LineReader lines = new LineReader(open(file), maxLineBytes)) {
        while (lines.next()) {
          collected.add(() -> parse(file, lines));
        }
      }
    }
    return new TaskExamples(file, labels, collected.examples, collected.blankLines, collected.skippedLines,
        collected.skipReasons);
  }

  /** One line's example (null for a blank line), or the reason it is malformed. */
  private interface Row {
    Example read() throws TaskFileException;
  }

  /** The examples read so far, with the blank and skipped lines counted. */
  private final class Collected {
    final List<Example> examples = new ArrayList<>();
    final List<String> skipReasons = new ArrayList<>();
    int blankLines;
    int skippedLines;

    void add(Row row) throws TaskFileException {
      Example example;
      try {
        example = row.read();
      } catch (TaskFileException e) {
        if (!skipMalformed) {
          throw e;
        }
        skippedLines++;
        if (skipReasons.size() < KEPT_SKIP_REASONS) {
          skipReasons.add(e.getMessage());
        }
        return;
      }
      if (example == null) {
        blankLines++;
      } else {
        examples.add(example);
      }
    }
  }

  /**
   * A CSV record's example: null for a blank line, else its text and label checked as a JSON line's
   * are.
   */
  private Example example(Path file, long number, String text, String label) throws TaskFileException {
    if (text == null) {
      return null;
    }
    return example(file, number, text, label, DataChecks.quoted(label));
  }

  private static InputStream open(Path file) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new TaskFileException(
          file,
          0,
          "no such file; check the path (a task's splits are <split>.jsonl or <split>.csv in its folder)");
    }
  }

  /** Parses the current line; null for a blank line. */
  private Example parse(Path file, LineReader lines) throws TaskFileException {
    long number = lines.lineNumber();
    if (lines.tooLong()) {
      throw new TaskFileException(
          file,
          number,
          "line longer than "
              + maxLineBytes
              + " bytes; shorten the text or raise the cap with optMaxLineBytes");
    }
    String line = lines.decode();
    if (line == null) {
      throw new TaskFileException(
          file,
          number,
          "invalid UTF-8 at byte " + lines.badByte() + " of the line; save the file as UTF-8");
    }
    if (line.isBlank()) {
      return null;
    }
    JsonObject object = parseObject(file, number, line);
    JsonElement text = object.get(textField);
    if (text == null || text.isJsonNull()) {
      throw missingField(file, number, object, "text", textField, "textField");
    }
    if (!text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
      throw new TaskFileException(
          file,
          number,
          "text field "
              + DataChecks.quoted(textField)
              + " must be a JSON string, got "
              + describe(text)
              + "; quote the text");
    }
    String textValue = text.getAsString();
    JsonElement label = object.get(labelField);
    if (label == null || label.isJsonNull()) {
      throw missingField(file, number, object, "label", labelField, "labelField");
    }
    if (!label.isJsonPrimitive() || label.getAsJsonPrimitive().isBoolean()) {
      throw new TaskFileException(
          file,
          number,
          "label field "
              + DataChecks.quoted(labelField)
              + " must be a JSON string or number, got "
              + describe(label)
              + "; use one of "
              + labels);
    }
    return example(file, number, textValue, label.getAsString(), label.toString());
  }

  /** The example of a line's text and label, checked: the text not blank, the label declared. */
  private Example example(Path file, long number, String text, String label, String labelShown)
      throws TaskFileException {
    if (text.isBlank()) {
      throw new TaskFileException(
          file,
          number,
          "text field "
              + DataChecks.quoted(textField)
              + " is empty; fill in the text or remove the line");
    }
    Integer index = labelIndex.get(label);
    if (index == null) {
      throw new TaskFileException(
          file,
          number,
          "label "
              + labelShown
              + " is not one of the declared labels "
              + labels
              + "; fix the line or add the label to the task's labels");
    }
    return new Example(text, index);
  }

  private static JsonObject parseObject(Path file, long number, String line)
      throws TaskFileException {
    JsonElement element;
    JsonReader reader = new JsonReader(new StringReader(line));
    reader.setStrictness(Strictness.STRICT);
    try {
      element = JSON.read(reader);
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new TaskFileException(
          file,
          number,
          "malformed JSON: "
              + DataChecks.gsonReason(e, true)
              + "; each line must be one complete JSON object");
    }
    if (!DataChecks.atEnd(reader)) {
      throw new TaskFileException(
          file,
          number,
          "malformed JSON: more text after the JSON value; "
              + "put exactly one JSON object on each line");
    }
    if (!element.isJsonObject()) {
      throw new TaskFileException(
          file,
          number,
          "expected a JSON object, got "
              + describe(element)
              + "; each line must be one JSON object such as {\"text\": \"...\", \"label\":"
              + " \"...\"}");
    }
    return element.getAsJsonObject();
  }

  private static TaskFileException missingField(
      Path file, long number, JsonObject object, String role, String field, String option) {
    List<String> present = new ArrayList<>(object.keySet());
    String shown =
        present.size() > SHOWN_FIELDS
            ? String.join(", ", present.subList(0, SHOWN_FIELDS)) + ", ..."
            : String.join(", ", present);
    return new TaskFileException(
        file,
        number,
        "no "
            + role
            + " field "
            + DataChecks.quoted(field)
            + " (the line has: "
            + (present.isEmpty() ? "no fields" : shown)
            + "); add it to the line, "
            + "or set "
            + option
            + " to the field that holds the "
            + role);
  }

  private static String describe(JsonElement element) {
    String kind;
    if (element.isJsonObject()) {
      kind = "an object";
    } else if (element.isJsonArray()) {
      kind = "an array";
    } else if (element.isJsonNull()) {
      return "null";
    } else {
      JsonPrimitive primitive = element.getAsJsonPrimitive();
      kind = primitive.isBoolean() ? "a boolean" : primitive.isNumber() ? "a number" : "a string";
    }
    String text = element.toString();
    return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }

  /**
   * Builds a {@link TaskFile}: the fields and labels are required, the {@code opt} values default.
   */
  public static final class Builder {
    private String textField;
    private String labelField;
    private List<String> labels;
    private boolean skipMalformed;
    private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;

    private Builder() {}

    /** Sets the JSON field that holds the text. */
    public Builder setTextField(String textField) {
      this.textField = textField;
      return this;
    }

    /** Sets the JSON field that holds the label. */
    public Builder setLabelField(String labelField) {
      this.labelField = labelField;
      return this;
    }

    /** Sets the labels in class-index order (index 0 first); at least two, distinct. */
    public Builder setLabels(List<String> labels) {
      this.labels = labels;
      return this;
    }

    /**
     * Whether to skip malformed lines instead of failing (default false). Skipped lines are counted
     * in {@link TaskExamples#skippedLines()} with their first reasons.
     */
    public Builder optSkipMalformed(boolean skipMalformed) {
      this.skipMalformed = skipMalformed;
      return this;
    }

    /**
     * Sets the cap on a line's length in bytes (default {@value TaskFile#DEFAULT_MAX_LINE_BYTES}).
     */
    public Builder optMaxLineBytes(int maxLineBytes) {
      this.maxLineBytes = maxLineBytes;
      return this;
    }

    /**
     * Builds the reader.
     *
     * @throws IllegalArgumentException if a field is missing or the labels are not at least two
     *     distinct names
     */
    public TaskFile build() {
      return new TaskFile(this);
    }
  }
}
