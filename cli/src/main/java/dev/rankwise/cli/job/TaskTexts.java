package dev.rankwise.cli.job;

import dev.rankwise.runtime.data.TaskExamples;
import dev.rankwise.runtime.data.TaskSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One task's texts and labels, read from the task set under the data folder that declares it.
 *
 * @param name the task's name
 * @param labels the class names, index 0 first
 * @param trainTexts training texts
 * @param trainLabels their class indices
 * @param testTexts test texts
 * @param testLabels their class indices
 */
public record TaskTexts(
    String name, List<String> labels, List<String> trainTexts, int[] trainLabels,
    List<String> testTexts, int[] testLabels) {

  /**
   * Reads the tasks by name from the task sets under {@code dataRoot}, each split cut to a seeded
   * random subset of at most {@code maxTrain} / {@code maxTest} rows (0 keeps all), in file order.
   * Tasks of the same files with the same limits get the same rows.
   *
   * @throws IllegalArgumentException if no set declares a task, listing the tasks found
   * @throws IOException if a file is missing or malformed (with file:line)
   */
  public static List<TaskTexts> read(Path dataRoot, List<String> tasks, int maxTrain, int maxTest, long seed)
      throws IOException {
    return read(dataRoot, tasks, maxTrain, maxTest, seed, false);
  }

  /**
   * As {@link #read(Path, List, int, int, long)}; with {@code skipMalformed} a malformed line is
   * skipped instead of stopping the read, and each file's count of skipped lines and first reasons
   * are printed to standard error.
   */
  public static List<TaskTexts> read(Path dataRoot, List<String> tasks, int maxTrain, int maxTest, long seed,
      boolean skipMalformed) throws IOException {
    List<TaskSet> sets = TaskSet.discover(dataRoot);
    List<TaskTexts> texts = new ArrayList<>();
    for (String task : tasks) {
      TaskSet set = TaskSet.declaring(sets, task, dataRoot);
      TaskExamples train = reported(set, task, "train", skipMalformed).sample(maxTrain, seed);
      TaskExamples test = reported(set, task, "test", skipMalformed).sample(maxTest, seed);
      texts.add(new TaskTexts(task, train.labels(), train.texts(), train.labelIds(), test.texts(),
          test.labelIds()));
    }
    return texts;
  }

  /**
   * The tasks by name with their labels only, no texts (enough to load adapters and heads and to
   * predict).
   */
  public static List<TaskTexts> labelsOnly(Path dataRoot, List<String> tasks) throws IOException {
    List<TaskSet> sets = TaskSet.discover(dataRoot);
    List<TaskTexts> texts = new ArrayList<>();
    for (String task : tasks) {
      List<String> labels = TaskSet.declaring(sets, task, dataRoot).task(task).labels();
      texts.add(new TaskTexts(task, labels, List.of(), new int[0], List.of(), new int[0]));
    }
    return texts;
  }

  private static TaskExamples reported(TaskSet set, String task, String split, boolean skipMalformed)
      throws IOException {
    TaskExamples examples = set.read(task, split, skipMalformed);
    if (examples.skippedLines() > 0) {
      System.err.printf("warning: skipped %d malformed line%s of task '%s' in %s (--skip-malformed); the first:%n",
          examples.skippedLines(), examples.skippedLines() == 1 ? "" : "s", task, set.file(split));
      examples.skipReasons().forEach(reason -> System.err.println("  " + reason));
    }
    return examples;
  }
}
