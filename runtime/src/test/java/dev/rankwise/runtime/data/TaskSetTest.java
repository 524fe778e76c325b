package dev.rankwise.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskSetTest {

  private static final String TWO_TASKS =
      "{\"tasks\": [\n"
          + "  {\"name\": \"grain\", \"textField\": \"text\", \"labelField\": \"grain\","
          + " \"labels\": [\"0\", \"1\"]},\n"
          + "  {\"name\": \"corn\", \"textField\": \"text\", \"labelField\": \"corn\", \"labels\":"
          + " [\"0\", \"1\"]}\n"
          + "]}\n";

  @TempDir Path root;

  private Path set(String name, String declaration) throws IOException {
    Path folder = Files.createDirectories(root.resolve(name));
    Files.writeString(folder.resolve(TaskSet.DECLARATION_FILE), declaration);
    return folder;
  }

  private TaskFileException declarationFailure(String declaration) throws IOException {
    Path folder = set("news", declaration);
    return assertThrows(TaskFileException.class, () -> TaskSet.load(folder));
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), () -> "expected <" + expected + "> in <" + actual + ">");
  }

  @Test
  void aNewTaskIsItsFilesAndADeclaration() throws IOException {
    Path folder = set("news", TWO_TASKS);
    Files.writeString(
        folder.resolve("train.jsonl"),
        "{\"text\": \"wheat\", \"grain\": 1, \"corn\": 0}\n"
            + "{\"text\": \"maize\", \"grain\": 1, \"corn\": 1}\n"
            + "{\"text\": \"oil\", \"grain\": 0, \"corn\": 0}\n");
    TaskSet set = TaskSet.load(folder);
    assertEquals("news", set.name());
    assertEquals(
        List.of(
            new TaskDescriptor("grain", "text", "grain", List.of("0", "1")),
            new TaskDescriptor("corn", "text", "corn", List.of("0", "1"))),
        set.tasks());
    assertEquals(List.of("train"), set.splits());
    TaskExamples grain = set.read("grain", "train");
    TaskExamples corn = set.read("corn", "train");
    assertEquals(List.of("wheat", "maize", "oil"), grain.texts());
    assertEquals(List.of(1, 1, 0), grain.examples().stream().map(Example::label).toList());
    assertEquals(List.of(0, 1, 0), corn.examples().stream().map(Example::label).toList());
    TaskExamples skipping =
        set.task("corn").reader().optSkipMalformed(true).build().read(set.file("train"));
    assertEquals(3, skipping.size());
  }

  @Test
  void unknownTaskAndMissingSplitListWhatExists() throws IOException {
    Path folder = set("news", TWO_TASKS);
    Files.writeString(folder.resolve("test.jsonl"), "");
    TaskSet set = TaskSet.load(folder);
    IllegalArgumentException task =
        assertThrows(IllegalArgumentException.class, () -> set.read("wheat", "test"));
    assertEquals(
        "task set \"news\" declares no task \"wheat\"; its tasks are [grain, corn]",
        task.getMessage());
    TaskFileException split =
        assertThrows(TaskFileException.class, () -> set.read("grain", "train"));
    assertEquals(
        folder.resolve("train.jsonl")
            + ": no split \"train\" in task set \"news\"; "
            + "its splits are [test]",
        split.getMessage());
    IllegalArgumentException path =
        assertThrows(IllegalArgumentException.class, () -> set.file("../train"));
    assertContains("split must be letters, digits, _ or -", path.getMessage());
  }

  @Test
  void missingDeclarationShowsTheFormat() throws IOException {
    Path folder = Files.createDirectories(root.resolve("empty"));
    TaskFileException e = assertThrows(TaskFileException.class, () -> TaskSet.load(folder));
    assertContains(
        folder.resolve("tasks.json")
            + ": no task declaration; a task set's folder needs a "
            + "tasks.json such as {\"tasks\": [",
        e.getMessage());
  }

  @Test
  void malformedDeclarationNamesItsLine() throws IOException {
    TaskFileException e = declarationFailure("{\"tasks\": [\n  {\"name\": \"grain\",,}\n]}\n");
    assertEquals(2, e.line());
    assertContains("malformed JSON", e.problem());
  }

  @Test
  void declarationShapeErrorsNameTheEntry() throws IOException {
    assertContains(
        "must be one JSON object with only a \"tasks\" array", declarationFailure("[]").problem());
    assertContains("\"tasks\" is empty", declarationFailure("{\"tasks\": []}").problem());
    assertContains(
        "tasks[0] has unknown key \"label_field\"",
        declarationFailure("{\"tasks\": [{\"name\": \"a\", \"label_field\": \"x\"}]}").problem());
    assertContains(
        "tasks[0].textField must be a JSON string, got nothing",
        declarationFailure(
                "{\"tasks\": [{\"name\": \"a\", \"labelField\": \"l\", \"labels\": [\"x\","
                    + " \"y\"]}]}")
            .problem());
    assertContains(
        "tasks[0].labels must hold strings (write a numeric label as \"1\"), got 0",
        declarationFailure(
                "{\"tasks\": [{\"name\": \"a\", \"textField\": \"t\", \"labelField\": \"l\", "
                    + "\"labels\": [0, 1]}]}")
            .problem());
  }

  @Test
  void taskNamesMustBeIdentifiersAndUnique() throws IOException {
    assertContains(
        "tasks[0]: name must be a Java identifier that is not a keyword, got \"spam-filter\"",
        declarationFailure(
                "{\"tasks\": [{\"name\": \"spam-filter\", \"textField\": \"t\", "
                    + "\"labelField\": \"l\", \"labels\": [\"x\", \"y\"]}]}")
            .problem());
    assertContains(
        "tasks[1]: task name \"grain\" is declared twice",
        declarationFailure(TWO_TASKS.replace("\"corn\", \"textField\"", "\"grain\", \"textField\""))
            .problem());
    assertContains(
        "tasks[0]: labels must be distinct",
        declarationFailure(TWO_TASKS.replace("[\"0\", \"1\"]", "[\"0\", \"0\"]")).problem());
  }

  @Test
  void discoverFindsDeclaredSetsByNameAndRejectsATaskDeclaredTwice() throws IOException {
    set("b", TWO_TASKS);
    set("a", TWO_TASKS.replace("grain", "wheat").replace("corn", "rice"));
    Files.createDirectories(root.resolve("notes"));
    List<TaskSet> sets = TaskSet.discover(root);
    assertEquals(List.of("a", "b"), sets.stream().map(TaskSet::name).toList());

    set("c", TWO_TASKS.replace("grain", "barley"));
    TaskFileException e = assertThrows(TaskFileException.class, () -> TaskSet.discover(root));
    assertContains(
        "task \"corn\" is also declared in " + root.resolve("b").resolve("tasks.json"),
        e.getMessage());
  }
}
