package dev.rankwise.cli.job;

import dev.rankwise.runtime.data.TaskDescriptor;
import dev.rankwise.runtime.data.TaskExamples;
import dev.rankwise.runtime.data.TaskSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One task's texts and labels, read from the task set under the data folder that declares it.
 *
 * @param name the task's name
 * @param labels the class names, index 0 first
 * @param trainTexts training texts
 * @param trainLabels their class indices
 * @param testTexts test texts
 * @param testLabels their class indices
 * @param validationTexts validation texts, for model selection; empty for none
 * @param validationLabels their class indices
 */
public record TaskTexts(
    String name, List<String> labels, List<String> trainTexts, int[] trainLabels,
    List<String> testTexts, int[] testLabels, List<String> validationTexts, int[] validationLabels) {

  /** The split a set may hold for model selection: {@code validation.jsonl} or {@code validation.csv}. */
  public static final String VALIDATION = "validation";

  /** A task without validation rows. */
  public TaskTexts(String name, List<String> labels, List<String> trainTexts, int[] trainLabels,
      List<String> testTexts, int[] testLabels) {
    this(name, labels, trainTexts, trainLabels, testTexts, testLabels, List.of(), new int[0]);
  }

  /**
   * The task scored on its validation rows: they stand in for the test rows, which a run of it then
   * never reads (tuning on validation, the test split read once by the final runs).
   *
   * @throws IllegalStateException if the task has no validation rows
   */
  public TaskTexts scoredOnValidation() {
    if (!hasValidation()) {
      throw new IllegalStateException("task '" + name + "' has no validation rows to be scored on");
    }
    return new TaskTexts(name, labels, trainTexts, trainLabels, validationTexts, validationLabels,
        validationTexts, validationLabels);
  }

  /** Whether the task has validation rows. */
  public boolean hasValidation() {
    return !validationTexts.isEmpty();
  }

  /**
   * Every task the sets under {@code dataRoot} declare: those of {@code first} in its order, then
   * the others in the order of their sets' folders. A method's own tasks thus keep the order its
   * declaration gives them on the shipped data, and a user's folder brings its own tasks.
   *
   * @throws IOException if a declaration is missing or malformed
   */
  public static List<String> declared(Path dataRoot, List<String> first) throws IOException {
    Set<String> all = new LinkedHashSet<>();
    for (TaskSet set : TaskSet.discover(dataRoot)) {
      set.tasks().stream().map(TaskDescriptor::name).forEach(all::add);
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no task set under " + dataRoot + ": give a folder with a "
          + TaskSet.DECLARATION_FILE + " and its splits, or a folder of such folders");
    }
    Set<String> ordered = new LinkedHashSet<>();
    first.stream().filter(all::contains).forEach(ordered::add);
    ordered.addAll(all);
    return List.copyOf(ordered);
  }

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
    return read(dataRoot, tasks, maxTrain, maxTest, seed, false, 0);
  }

  /**
   * As {@link #read(Path, List, int, int, long)}; with {@code skipMalformed} a malformed line is
   * skipped instead of stopping the read, and each file's count of skipped lines and first reasons
   * are printed to standard error. Validation rows come from the set's {@value #VALIDATION} split
   * if it has one, else, when {@code validationFraction} is above 0, from a seeded fraction of the
   * training rows kept (which then train on the rest).
   */
  public static List<TaskTexts> read(Path dataRoot, List<String> tasks, int maxTrain, int maxTest, long seed,
      boolean skipMalformed, double validationFraction) throws IOException {
    List<TaskSet> sets = TaskSet.discover(dataRoot);
    List<TaskTexts> texts = new ArrayList<>();
    for (String task : tasks) {
      TaskSet set = TaskSet.declaring(sets, task, dataRoot);
      TaskExamples train = reported(set, task, "train", skipMalformed).sample(maxTrain, seed);
      TaskExamples validation = null;
      if (Files.exists(set.file(VALIDATION))) {
        validation = reported(set, task, VALIDATION, skipMalformed);
      } else if (validationFraction > 0) {
        TaskExamples.Split split = train.splitOff(validationFraction, seed);
        train = split.rest();
        validation = split.splitOff();
      }
      TaskExamples test = reported(set, task, "test", skipMalformed).sample(maxTest, seed);
      texts.add(new TaskTexts(task, train.labels(), train.texts(), train.labelIds(), test.texts(),
          test.labelIds(), validation == null ? List.of() : validation.texts(),
          validation == null ? new int[0] : validation.labelIds()));
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
