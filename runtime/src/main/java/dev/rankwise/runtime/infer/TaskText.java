package dev.rankwise.runtime.infer;

import java.util.Objects;

/**
 * One row of a mixed-task batch: a text and the task to label it for.
 *
 * @param task a task of the classifier
 * @param text the text to label, not blank: training refuses a blank text, so no adapter has learnt
 *     what one means ({@code rankwise predict}, Spark scoring and a DJL predictor all refuse it)
 */
public record TaskText(String task, String text) {

  /**
   * Refuses null values and a blank text ({@link String#isBlank}, as training's task files check).
   *
   * @throws IllegalArgumentException if the text is blank
   */
  public TaskText {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("the text of a " + task + " row is blank; a text to label must not"
          + " be blank, as training's must not");
    }
  }
}
