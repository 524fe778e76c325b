package dev.rankwise.runtime.data;

import java.util.List;
import javax.lang.model.SourceVersion;

/**
 * Declares one classification task of a task set: its name, where its text and label are in each
 * JSON line, and its labels. Declared in the set's {@code tasks.json} (see {@link TaskSet}).
 *
 * @param name the task's name, a Java identifier that is not a keyword (as {@code @TaskRouter} task
 *     names must be)
 * @param textField the JSON field that holds the text
 * @param labelField the JSON field that holds the label
 * @param labels the labels in class-index order (index 0 first), at least two, distinct
 */
public record TaskDescriptor(
    String name, String textField, String labelField, List<String> labels) {

  /** Checks the values; the message names the value and what it must be. */
  public TaskDescriptor {
    if (name == null || !SourceVersion.isName(name) || name.contains(".")) {
      throw new IllegalArgumentException(
          "name must be a Java identifier that is not a keyword, got " + DataChecks.quoted(name));
    }
    DataChecks.field("textField", textField);
    DataChecks.field("labelField", labelField);
    labels = DataChecks.labels(labels);
  }

  /** Returns a reader builder for this task's files, to which options may still be added. */
  public TaskFile.Builder reader() {
    return TaskFile.builder().setTextField(textField).setLabelField(labelField).setLabels(labels);
  }
}
