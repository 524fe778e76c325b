package dev.rankwise.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's CSV file reads like its JSON Lines file, with the same {@code file:line} errors. */
class CsvTaskFileTest {

  private static final List<String> LABELS = List.of("normal", "urgent");

  @TempDir Path dir;

  private Path write(String content) throws IOException {
    return write(content.getBytes(StandardCharsets.UTF_8));
  }

  private Path write(byte[] content) throws IOException {
    Path file = dir.resolve("train.csv");
    Files.write(file, content);
    return file;
  }

  private static TaskFile.Builder reader() {
    return TaskFile.builder().setTextField("body").setLabelField("priority").setLabels(LABELS);
  }

  private TaskFileException failure(String content, long line) throws IOException {
    Path file = write(content);
    TaskFileException e = assertThrows(TaskFileException.class, () -> reader().build().read(file));
    assertEquals(file, e.file());
    assertEquals(line, e.line(), e.getMessage());
    assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
    return e;
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), () -> "expected <" + expected + "> in <" + actual + ">");
  }

  @Test
  void readsQuotedCommasQuotesAndLineBreaksWithAByteOrderMarkAndCrLf() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = ("id,body,priority\r\n"
        + "1,\"Server down, call me\",urgent\r\n"
        + "2,\"lunch \"\"at noon\"\"?\nsee you\",normal\r\n"
        + "\r\n"
        + "3,één,1\n").replace(",1\n", ",urgent").getBytes(StandardCharsets.UTF_8);
    byte[] content = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    System.arraycopy(body, 0, content, bom.length, body.length);
    TaskExamples examples = reader().build().read(write(content));
    assertEquals(List.of("Server down, call me", "lunch \"at noon\"?\nsee you", "één"), examples.texts());
    assertArrayEquals(new int[] {1, 0, 1}, examples.labelIds());
    assertEquals(1, examples.blankLines());
  }

  @Test
  void errorsNameTheLineTheRecordStartsOn() throws IOException {
    TaskFileException label = failure("body,priority\n\"two\nlines\",normal\nthird,later\n", 4);
    assertContains("label \"later\" is not one of the declared labels [normal, urgent]", label.problem());
    assertContains("text field \"body\" is empty", failure("body,priority\nok,normal\n\"  \",urgent\n", 3)
        .problem());
  }

  @Test
  void aMissingColumnListsTheHeader() throws IOException {
    TaskFileException e = failure("text,priority\nhello,normal\n", 2);
    assertEquals("no text column \"body\" (the header has: text, priority); add the column, or set textField"
        + " to the column that holds the text", e.problem());
  }

  @Test
  void aShortRecordOrABrokenQuoteOrABadByteIsRefused() throws IOException {
    assertContains("the record has 1 fields but the header names 2; quote a field that holds a comma",
        failure("body,priority\nhello,normal\nno label\n", 3).problem());
    assertContains("malformed CSV", failure("body,priority\nhello,normal\n\"open quote,normal\n", 3).problem());
    byte[] bad = "body,priority\nok,normal\nbad \u00ff,urgent\n".getBytes(StandardCharsets.ISO_8859_1);
    Path file = write(bad);
    TaskFileException e = assertThrows(TaskFileException.class, () -> reader().build().read(file));
    assertContains("invalid UTF-8", e.problem());
  }

  @Test
  void aDuplicatedColumnIsAHeaderError() throws IOException {
    assertContains("malformed CSV header", failure("body,body,priority\na,b,normal\n", 1).problem());
  }

  @Test
  void skippingCountsMalformedRecordsWithTheirReasons() throws IOException {
    Path file = write("body,priority\nfine,normal\nbad,maybe\nshort\nalso fine,urgent\n");
    TaskExamples examples = reader().optSkipMalformed(true).build().read(file);
    assertEquals(List.of("fine", "also fine"), examples.texts());
    assertEquals(2, examples.skippedLines());
    assertTrue(examples.skipReasons().get(0).startsWith(file + ":3: label \"maybe\""), examples.skipReasons().get(0));
    assertTrue(examples.skipReasons().get(1).startsWith(file + ":4: the record has 1 fields"),
        examples.skipReasons().get(1));
  }

  @Test
  void aTaskSetReadsCsvSplitsAndRefusesTwoFilesForOneSplit() throws IOException {
    Files.writeString(dir.resolve(TaskSet.DECLARATION_FILE), "{\"tasks\": [{\"name\": \"urgent\", \"textField\":"
        + " \"body\", \"labelField\": \"priority\", \"labels\": [\"normal\", \"urgent\"]}]}");
    Files.writeString(dir.resolve("train.csv"), "body,priority\nserver down,urgent\n");
    Files.writeString(dir.resolve("test.jsonl"), "{\"body\": \"lunch\", \"priority\": \"normal\"}\n");
    List<TaskSet> sets = TaskSet.discover(dir);
    assertEquals(1, sets.size(), "a set's own folder is a data folder of one set");
    TaskSet set = sets.get(0);
    assertEquals(List.of("test", "train"), set.splits());
    assertEquals(List.of("server down"), set.read("urgent", "train").texts());
    assertEquals(List.of("lunch"), set.read("urgent", "test").texts());
    Files.writeString(dir.resolve("train.jsonl"), "");
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> set.file("train"));
    assertContains("has both", both.getMessage());
  }
}
