package dev.rankwise.runtime.data;

/**
 * One labelled example of a classification task: the text and the index of its label in the task's
 * declared labels.
 *
 * @param text the text, never blank
 * @param label index into the task's labels, at least 0
 */
public record Example(String text, int label) {

  /** Checks the values. */
  public Example {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("text must not be blank");
    }
    if (label < 0) {
      throw new IllegalArgumentException("label must be at least 0, got " + label);
    }
  }
}
