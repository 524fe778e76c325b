package dev.rankwise.runtime.infer;

import java.util.Objects;

/**
 * One row of a mixed-task batch: a text and the task to label it for.
 *
 * @param task a task of the classifier
 * @param text the text to label
 */
public record TaskText(String task, String text) {

  /** Refuses null values. */
  public TaskText {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(text, "text");
  }
}
