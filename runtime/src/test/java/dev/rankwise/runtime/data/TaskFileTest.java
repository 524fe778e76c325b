package dev.rankwise.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskFileTest {

  private static final List<String> HAM_SPAM = List.of("ham", "spam");

  @TempDir Path dir;

  private Path write(String content) throws IOException {
    return write(content.getBytes(StandardCharsets.UTF_8));
  }

  private Path write(byte[] content) throws IOException {
    Path file = dir.resolve("train.jsonl");
    Files.write(file, content);
    return file;
  }

  /** A reader of {@code text} and {@code label} fields with the labels ham and spam. */
  private static TaskFile.Builder hamSpam() {
    return TaskFile.builder().setTextField("text").setLabelField("label").setLabels(HAM_SPAM);
  }

  private TaskExamples read(Path file, List<String> labels) throws IOException {
    return TaskFile.read(file, "text", "label", labels);
  }

  /** Reads the file expecting a failure at the line, and returns the problem. */
  private String failure(String content, long line, List<String> labels) throws IOException {
    Path file = write(content);
    TaskFileException e = assertThrows(TaskFileException.class, () -> read(file, labels));
    assertEquals(file, e.file());
    assertEquals(line, e.line());
    assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
    return e.problem();
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), () -> "expected <" + expected + "> in <" + actual + ">");
  }

  @Test
  void readsExamplesInFileOrderWithStringAndNumberLabels() throws IOException {
    Path file =
        write(
            "{\"text\": \"win money\", \"label\": \"spam\"}\n"
                + "{\"label\": \"ham\", \"text\": \"lunch at één?\"}\n");
    TaskExamples examples = read(file, HAM_SPAM);
    assertEquals(
        List.of(new Example("win money", 1), new Example("lunch at één?", 0)), examples.examples());
    assertEquals(0, examples.blankLines());
    assertEquals(0, examples.skippedLines());

    Path numbers =
        write(
            "{\"text\": \"a\", \"grain\": 1}\n{\"text\": \"b\", \"grain\": 0}\n"
                + "{\"text\": \"c\", \"grain\": \"1\"}");
    TaskExamples grain = TaskFile.read(numbers, "text", "grain", List.of("0", "1"));
    assertArrayEquals(new int[] {1, 0, 1}, grain.labelIds());
    assertEquals(List.of("a", "b", "c"), grain.texts());
    assertArrayEquals(new int[] {1, 2}, grain.labelCounts());
    assertEquals(2, grain.count("1"));
  }

  @Test
  void skipsAndCountsBlankLinesAndToleratesCrLfByteOrderMarkAndNoFinalNewline() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body =
        ("{\"text\": \"x\", \"label\": \"ham\"}\r\n\r\n   \n"
                + "{\"text\": \"y\", \"label\": \"spam\"}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] content = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    System.arraycopy(body, 0, content, bom.length, body.length);
    TaskExamples examples = read(write(content), HAM_SPAM);
    assertEquals(List.of(new Example("x", 0), new Example("y", 1)), examples.examples());
    assertEquals(2, examples.blankLines());
  }

  @Test
  void malformedJsonNamesFileLineAndColumn() throws IOException {
    String problem =
        failure(
            "{\"text\": \"a\", \"label\": \"ham\"}\n\n{\"text\": \"b, \"label\": \"ham\"}\n",
            3,
            HAM_SPAM);
    assertContains("malformed JSON", problem);
    assertContains("at column", problem);
    assertContains("one complete JSON object", problem);
  }

  @Test
  void lenientJsonIsRejected() throws IOException {
    String unquoted = failure("{text: 'a', label: 'ham'}\n", 1, HAM_SPAM);
    assertContains(
        "malformed JSON: not standard JSON (names and strings need double quotes", unquoted);
    assertTrue(!unquoted.contains("setStrictness"), unquoted);
    assertContains(
        "more text after the JSON value",
        failure("{\"text\": \"a\", \"label\": \"ham\"} {\"text\": \"b\"}\n", 1, HAM_SPAM));
  }

  @Test
  void lineThatIsNotAnObjectIsRejected() throws IOException {
    assertContains(
        "expected a JSON object, got an array [\"a\",\"ham\"]",
        failure("[\"a\", \"ham\"]\n", 1, HAM_SPAM));
  }

  @Test
  void missingTextFieldListsTheFieldsPresent() throws IOException {
    String problem = failure("{\"body\": \"a\", \"label\": \"ham\"}\n", 1, HAM_SPAM);
    assertContains("no text field \"text\" (the line has: body, label)", problem);
    assertContains("set textField", problem);
    assertContains(
        "no text field \"text\"", failure("{\"text\": null, \"label\": \"ham\"}\n", 1, HAM_SPAM));
  }

  @Test
  void textOfTheWrongTypeIsRejected() throws IOException {
    assertContains(
        "text field \"text\" must be a JSON string, got a number 5",
        failure("{\"text\": 5, \"label\": \"ham\"}\n", 1, HAM_SPAM));
  }

  @Test
  void emptyTextIsRejected() throws IOException {
    assertContains(
        "text field \"text\" is empty",
        failure(
            "{\"text\": \"a\", \"label\": \"ham\"}\n{\"text\": \" \", \"label\": \"ham\"}\n",
            2,
            HAM_SPAM));
  }

  @Test
  void missingLabelIsRejected() throws IOException {
    assertContains(
        "no label field \"label\" (the line has: text)",
        failure("{\"text\": \"a\"}\n", 1, HAM_SPAM));
    assertContains(
        "no label field \"label\"", failure("{\"text\": \"a\", \"label\": null}\n", 1, HAM_SPAM));
  }

  @Test
  void labelOutsideTheDeclaredSetListsTheValidOnes() throws IOException {
    assertContains(
        "label \"eggs\" is not one of the declared labels [ham, spam]",
        failure("{\"text\": \"a\", \"label\": \"eggs\"}\n", 1, HAM_SPAM));
    List<String> binary = List.of("0", "1");
    assertContains(
        "label 2 is not one of the declared labels [0, 1]",
        failure("{\"text\": \"a\", \"label\": 2}\n", 1, binary));
    assertContains(
        "label 1.0 is not one of the declared labels [0, 1]",
        failure("{\"text\": \"a\", \"label\": 1.0}\n", 1, binary));
  }

  @Test
  void labelOfTheWrongTypeIsRejected() throws IOException {
    assertContains(
        "must be a JSON string or number, got a boolean true",
        failure("{\"text\": \"a\", \"label\": true}\n", 1, List.of("false", "true")));
    assertContains(
        "must be a JSON string or number, got an array [\"ham\"]",
        failure("{\"text\": \"a\", \"label\": [\"ham\"]}\n", 1, HAM_SPAM));
  }

  @Test
  void invalidUtf8IsAnErrorWithItsByte() throws IOException {
    byte[] good = "{\"text\": \"a\", \"label\": \"ham\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad =
        "{\"text\": \"caf\u00e9\", \"label\": \"ham\"}\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] content = new byte[good.length + bad.length];
    System.arraycopy(good, 0, content, 0, good.length);
    System.arraycopy(bad, 0, content, good.length, bad.length);
    Path file = write(content);
    TaskFileException e = assertThrows(TaskFileException.class, () -> read(file, HAM_SPAM));
    assertEquals(2, e.line());
    assertContains(file + ":2: invalid UTF-8 at byte 14 of the line", e.getMessage());
  }

  @Test
  void hugeLineIsReportedAndSkippedWithoutLosingCount() throws IOException {
    Path file = dir.resolve("huge.jsonl");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(
          "{\"text\": \"a\", \"label\": \"ham\"}\n{\"text\": \"".getBytes(StandardCharsets.UTF_8));
      byte[] block = new byte[1 << 16];
      java.util.Arrays.fill(block, (byte) 'x');
      for (int i = 0; i < 160; i++) { // 10 MiB
        out.write(block);
      }
      out.write(
          "\", \"label\": \"ham\"}\n{\"text\": \"b\", \"label\": \"spam\"}\n"
              .getBytes(StandardCharsets.UTF_8));
    }
    TaskFileException e = assertThrows(TaskFileException.class, () -> read(file, HAM_SPAM));
    assertEquals(2, e.line());
    assertContains(file + ":2: line longer than 1048576 bytes", e.getMessage());

    TaskExamples skipped = hamSpam().optSkipMalformed(true).build().read(file);
    assertEquals(List.of(new Example("a", 0), new Example("b", 1)), skipped.examples());
    assertEquals(1, skipped.skippedLines());

    TaskFileException small =
        assertThrows(
            TaskFileException.class, () -> hamSpam().optMaxLineBytes(20).build().read(file));
    assertEquals(1, small.line());
    assertContains("line longer than 20 bytes; shorten the text or raise the cap", small.problem());
  }

  @Test
  void skipModeCountsMalformedLinesAndKeepsTheFirstReasons() throws IOException {
    StringBuilder content = new StringBuilder("{\"text\": \"good\", \"label\": \"ham\"}\n");
    for (int i = 0; i < 7; i++) {
      content.append("{\"text\": \"bad\", \"label\": \"eggs").append(i).append("\"}\n");
    }
    content.append("not json\n{\"text\": \"fine\", \"label\": \"spam\"}\n");
    Path file = write(content.toString());
    TaskExamples examples = hamSpam().optSkipMalformed(true).build().read(file);
    assertEquals(List.of(new Example("good", 0), new Example("fine", 1)), examples.examples());
    assertEquals(8, examples.skippedLines());
    assertEquals(TaskFile.KEPT_SKIP_REASONS, examples.skipReasons().size());
    assertContains(file + ":2: label \"eggs0\"", examples.skipReasons().get(0));
    assertContains(file + ":6: label \"eggs4\"", examples.skipReasons().get(4));

    assertThrows(TaskFileException.class, () -> read(file, HAM_SPAM));
  }

  @Test
  void missingFileSaysSo() {
    Path file = dir.resolve("absent.jsonl");
    TaskFileException e = assertThrows(TaskFileException.class, () -> read(file, HAM_SPAM));
    assertEquals(0, e.line());
    assertEquals(
        file + ": no such file; check the path (a task's splits are <split>.jsonl or <split>.csv in its folder)",
        e.getMessage());
  }

  @Test
  void builderRejectsBadSettings() {
    IllegalArgumentException one =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TaskFile.builder()
                    .setTextField("text")
                    .setLabelField("label")
                    .setLabels(List.of("a"))
                    .build());
    assertContains("labels must name at least two classes", one.getMessage());
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TaskFile.builder()
                    .setTextField("text")
                    .setLabelField("label")
                    .setLabels(List.of("a", "b", "a"))
                    .build());
    assertContains("labels must be distinct, got \"a\" twice", twice.getMessage());
    IllegalArgumentException field =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskFile.builder().setLabelField("label").setLabels(HAM_SPAM).build());
    assertContains("textField must be a non-empty JSON field name, got null", field.getMessage());
    IllegalArgumentException cap =
        assertThrows(IllegalArgumentException.class, () -> hamSpam().optMaxLineBytes(0).build());
    assertContains("maxLineBytes must be in [1, ", cap.getMessage());
  }
}
