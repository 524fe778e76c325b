package dev.rankwise.serving;

import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.infer.TaskText;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loads an adapter folder for serving; {@link #classifiers} does it as {@code rankwise predict} does. */
@FunctionalInterface
public interface AdapterLoader {

  /**
   * Loads the folder under a name.
   *
   * @throws IOException if the folder is missing or its files are unreadable or malformed
   * @throws IllegalArgumentException if the folder does not fit its base (the message says why)
   */
  ServedAdapter load(String name, Path folder) throws IOException;

  /**
   * Loads folders as {@code rankwise predict} does: the base their record names (or {@code base}),
   * at the max length they were trained with (or {@code maxLength}), through {@link
   * TaskClassifier#load}. A pass is one {@code batchPredict} of the classifier's DJL model, its
   * mixed-task routing sending each row through its own task's adapters and head. A loaded folder
   * runs two passes of one row per task before it is served: PyTorch's first passes take several
   * times as long as the later ones, and a folder swapped in under load must not make its first
   * requests pay for them.
   *
   * @param base a shipped base name or a model folder, or null for the one the record names
   * @param maxLength tokens per text, or null for the length the adapters were trained with
   */
  static AdapterLoader classifiers(String base, Integer maxLength) {
    return (name, folder) -> {
      ClassifierRecord record = ClassifierRecord.read(folder);
      BertEncoder encoder = BertEncoder.forAdapters(record, base, maxLength);
      TaskClassifier classifier;
      try {
        classifier = TaskClassifier.load(folder, encoder);
      } catch (IOException | RuntimeException e) {
        encoder.close();
        throw e;
      }
      Map<String, List<String>> labels = new LinkedHashMap<>();
      List<TaskText> warmUp = new ArrayList<>();
      classifier.tasks().forEach(task -> {
        labels.put(task, classifier.labels(task));
        warmUp.add(new TaskText(task, "warm up"));
      });
      try {
        onePass(classifier, warmUp);
        onePass(classifier, warmUp);
      } catch (RuntimeException e) {
        classifier.close();
        encoder.close();
        throw e;
      }
      return new ServedAdapter(name, folder, encoder.name(), labels, encoder.inputs().maxLength(),
          rows -> onePass(classifier, rows), () -> {
            classifier.close();
            encoder.close();
          });
    };
  }

  /** A pass: the classifier's one inference call, which runs the rows in batches of similar length. */
  private static List<Prediction> onePass(TaskClassifier classifier, List<TaskText> rows) {
    return classifier.predict(rows);
  }
}
