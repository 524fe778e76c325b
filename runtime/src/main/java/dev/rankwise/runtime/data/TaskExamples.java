package dev.rankwise.runtime.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The examples read from one task data file, in file order, with what the reader passed over: blank
 * lines (always skipped) and, only when skipping was asked for, malformed lines.
 *
 * @param file the file read
 * @param labels the task's labels; {@link Example#label()} indexes this list
 * @param examples the examples in file order
 * @param blankLines lines that were empty or only whitespace
 * @param skippedLines malformed lines passed over (0 unless {@link
 *     TaskFile.Builder#optSkipMalformed})
 * @param skipReasons the messages ({@code file:line: problem}) of the first {@value
 *     TaskFile#KEPT_SKIP_REASONS} skipped lines
 */
public record TaskExamples(
    Path file,
    List<String> labels,
    List<Example> examples,
    int blankLines,
    int skippedLines,
    List<String> skipReasons) {

  /** Copies the lists. */
  public TaskExamples {
    labels = List.copyOf(labels);
    examples = List.copyOf(examples);
    skipReasons = List.copyOf(skipReasons);
  }

  /** The number of examples. */
  public int size() {
    return examples.size();
  }

  /** How many examples have each label, indexed as {@link #labels()}. */
  public int[] labelCounts() {
    int[] counts = new int[labels.size()];
    for (Example example : examples) {
      counts[example.label()]++;
    }
    return counts;
  }

  /** How many examples have the given label. */
  public int count(String label) {
    int index = labels.indexOf(label);
    if (index < 0) {
      throw new IllegalArgumentException(
          "label " + DataChecks.quoted(label) + " is not one of the task's labels " + labels);
    }
    return labelCounts()[index];
  }

  /** The texts in file order. */
  public List<String> texts() {
    return examples.stream().map(Example::text).toList();
  }

  /** The label indices in file order. */
  public int[] labelIds() {
    return examples.stream().mapToInt(Example::label).toArray();
  }

  /**
   * A seeded random subset of at most {@code max} examples, kept in file order; all of them when
   * {@code max} is 0 or at least their number. Files of equal length give equal row choices for
   * equal seeds.
   */
  public TaskExamples sample(int max, long seed) {
    if (max <= 0 || size() <= max) {
      return this;
    }
    List<Integer> order = new ArrayList<>(IntStream.range(0, size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    List<Integer> kept = new ArrayList<>(order.subList(0, max));
    Collections.sort(kept);
    return keeping(kept);
  }

  /**
   * Splits off a seeded random {@code fraction} of the examples (at least one, at most all but one,
   * each part in file order), such as a validation split held out of the training rows.
   *
   * @throws IllegalArgumentException if {@code fraction} is not in (0, 1) or there are fewer than
   *     two examples
   */
  public Split splitOff(double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("the fraction to split off must be in (0, 1), got " + fraction);
    }
    if (size() < 2) {
      throw new IllegalArgumentException(file + " holds " + size() + " example(s); splitting off a fraction"
          + " needs at least two");
    }
    int heldOut = (int) Math.min(size() - 1, Math.max(1, Math.round(size() * fraction)));
    List<Integer> order = new ArrayList<>(IntStream.range(0, size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    List<Integer> split = new ArrayList<>(order.subList(0, heldOut));
    List<Integer> rest = new ArrayList<>(order.subList(heldOut, size()));
    Collections.sort(split);
    Collections.sort(rest);
    return new Split(keeping(rest), keeping(split));
  }

  private TaskExamples keeping(List<Integer> rows) {
    return new TaskExamples(file, labels, rows.stream().map(examples::get).toList(), blankLines, skippedLines,
        skipReasons);
  }

  /**
   * Examples in two parts.
   *
   * @param rest the examples not split off
   * @param splitOff the examples split off
   */
  public record Split(TaskExamples rest, TaskExamples splitOff) {}
}
