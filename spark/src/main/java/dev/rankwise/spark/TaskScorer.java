package dev.rankwise.spark;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.infer.TaskText;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen base a folder's adapters were trained on (as its record names it) with those adapters
 * and their heads, scoring (task, text)
 * rows through a {@link TaskClassifier}, as {@code rankwise predict} does. Spark-free: an executor
 * holds one per task slot ({@link ExecutorModels}); the benchmark runs it alone as the
 * single-process engine. Not thread-safe: merged weights and its predictor are state.
 */
public final class TaskScorer implements AutoCloseable {

  private final ScoringSpec spec;
  private final BertEncoder encoder;
  private final TaskClassifier classifier;
  private final Predictor<TaskText, Prediction> predictor;
  private String mergedTask;

  /**
   * Loads the adapters in {@code adapters} and the base they were trained on.
   *
   * @throws IOException if the adapter files are missing, malformed or saved without their labels
   * @throws IllegalArgumentException if the base is not the one the adapters were trained on, or
   *     they were trained on a model folder and {@code spec.base()} does not give it
   */
  public TaskScorer(ScoringSpec spec, Path adapters) throws IOException {
    this(spec, adapters, record -> BertEncoder.forAdapters(record, spec.base(), spec.maxLength()));
  }

  /**
   * As {@link #TaskScorer(ScoringSpec, Path)}, with the base opened by {@code openBase}. Whatever
   * fails after the base is open closes what was opened, so a folder that fails to load leaves
   * nothing behind however often Spark retries it.
   */
  TaskScorer(ScoringSpec spec, Path adapters, BaseOpener openBase) throws IOException {
    this.spec = spec;
    encoder = openBase.open(ClassifierRecord.read(adapters));
    TaskClassifier loaded = null;
    try {
      loaded = TaskClassifier.load(adapters, encoder);
      predictor = loaded.model().newPredictor();
    } catch (Throwable e) {
      closeAfterFailure(loaded, e);
      closeAfterFailure(encoder, e);
      throw e;
    }
    classifier = loaded;
  }

  /** Opens the base of the adapters whose record is given. */
  interface BaseOpener {
    BertEncoder open(ClassifierRecord record) throws IOException;
  }

  private static void closeAfterFailure(AutoCloseable resource, Throwable failure) {
    if (resource != null) {
      try {
        resource.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** What this scorer was loaded for. */
  public ScoringSpec spec() {
    return spec;
  }

  /** The tasks of the adapters, in their order. */
  public List<String> tasks() {
    return classifier.tasks();
  }

  /**
   * Scores rows in order, in batches of {@code spec.batchSize()}. With {@link Strategy#MERGED} a
   * batch holds one task and the task's adapters are folded into the base while its rows last (the
   * rows should come grouped by task: every change of task is a merge); with {@link Strategy#MIXED}
   * a batch holds consecutive rows of any tasks, each routed to its own.
   *
   * @throws IllegalArgumentException naming the tasks if a row's task is not one of the adapters'
   */
  public List<Prediction> score(List<TaskText> rows) {
    List<Prediction> scores = new ArrayList<>(rows.size());
    int from = 0;
    while (from < rows.size()) {
      int to = Math.min(rows.size(), from + spec.batchSize());
      if (spec.strategy() == Strategy.MERGED) {
        String task = rows.get(from).task();
        for (int row = from + 1; row < to; row++) {
          if (!rows.get(row).task().equals(task)) {
            to = row;
            break;
          }
        }
        mergeFor(task);
      }
      try {
        scores.addAll(predictor.batchPredict(rows.subList(from, to)));
      } catch (TranslateException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e);
      }
      from = to;
    }
    return scores;
  }

  /** Restores the base weights, so the next user of this scorer starts from the plain adapters. */
  public void unmerge() {
    if (mergedTask != null) {
      classifier.adapted().unmerge();
      mergedTask = null;
    }
  }

  private void mergeFor(String task) {
    if (!task.equals(mergedTask)) {
      unmerge();
      classifier.adapted().mergeTask(task);
      mergedTask = task;
    }
  }

  @Override
  public void close() {
    unmerge();
    predictor.close();
    classifier.close();
    encoder.close();
  }
}
