package dev.rankwise.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.route.RoutingContext;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.TaskTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A frozen all-MiniLM-L6-v2 with a method's saved adapters and heads, scoring (task, text) rows the
 * way {@code rankwise predict} does. Spark-free: an executor holds one per task slot
 * ({@link ExecutorModels}); the benchmark runs it alone as the single-process engine. Not
 * thread-safe: merged weights are state.
 */
public final class TaskScorer implements AutoCloseable {

  private final ScoringSpec spec;
  private final NDManager manager = NDManager.newBaseManager();
  private final EncoderSession session;
  private final MethodTrainer.Loaded loaded;
  private int mergedTask = -1;

  /**
   * Loads the base and the adapters of {@code spec.methodId()} from {@code adapters}.
   *
   * @throws IOException if the adapter files are missing or do not fit the method
   */
  public TaskScorer(ScoringSpec spec, Path adapters) throws IOException {
    this.spec = spec;
    Method method = Method.byId(spec.methodId());
    if (!method.tasks().equals(spec.tasks())) {
      throw new IllegalArgumentException("method " + method.id() + " routes " + method.tasks()
          + ", not " + spec.tasks());
    }
    List<TaskTexts> tasks = new ArrayList<>();
    for (int task = 0; task < spec.tasks().size(); task++) {
      tasks.add(new TaskTexts(spec.tasks().get(task), spec.labels().get(task), List.of(), new int[0],
          List.of(), new int[0]));
    }
    try {
      session = new EncoderSession(tasks, spec.maxLength(), false);
      loaded = MethodTrainer.load(session, method, adapters, manager);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    // Inference only: no parameter records a graph, whatever the grad mode of the calling thread
    // (DJL switches it off only on the thread that loaded the engine).
    loaded.model().freezeParameters(true);
    loaded.heads().freezeParameters(true);
  }

  /** What this scorer was loaded for. */
  public ScoringSpec spec() {
    return spec;
  }

  /**
   * Scores rows in order, in batches of {@code spec.batchSize()}. With {@link Strategy#MERGED} a
   * batch holds one task and the task's adapters are folded into the base while its rows last (the
   * rows should come grouped by task: every change of task is a merge); with {@link Strategy#MIXED}
   * a batch holds consecutive rows of any tasks, each routed to its own.
   *
   * @param taskIds each row's task index in {@code spec.tasks()}
   */
  public List<Score> score(int[] taskIds, List<String> texts) {
    if (taskIds.length != texts.size()) {
      throw new IllegalArgumentException(taskIds.length + " task ids for " + texts.size() + " texts");
    }
    List<Score> scores = new ArrayList<>(texts.size());
    int from = 0;
    while (from < texts.size()) {
      int to = Math.min(texts.size(), from + spec.batchSize());
      if (spec.strategy() == Strategy.MERGED) {
        int task = taskIds[from];
        for (int row = from + 1; row < to; row++) {
          if (taskIds[row] != task) {
            to = row;
            break;
          }
        }
        mergeFor(task);
      }
      scoreBatch(taskIds, texts, from, to, scores);
      from = to;
    }
    return scores;
  }

  /** Restores the base weights, so the next user of this scorer starts from the plain adapters. */
  public void unmerge() {
    if (mergedTask >= 0) {
      loaded.adapted().unmerge();
      mergedTask = -1;
    }
  }

  private void mergeFor(int task) {
    if (mergedTask != task) {
      unmerge();
      loaded.adapted().mergeTask(spec.tasks().get(task));
      mergedTask = task;
    }
  }

  private void scoreBatch(int[] taskIds, List<String> texts, int from, int to, List<Score> scores) {
    try (NDManager batchManager = manager.newSubManager()) {
      long[] ids = new long[to - from];
      for (int row = from; row < to; row++) {
        ids[row - from] = taskIds[row];
      }
      NDArray packed = session.tokenizer().pack(batchManager, texts.subList(from, to));
      try (RoutingContext routing = RoutingContext.open(batchManager.create(ids))) {
        ParameterStore store = new ParameterStore(batchManager, false);
        NDArray features = loaded.model().forward(store, new NDList(packed), false).singletonOrThrow();
        Score[] batch = new Score[to - from];
        for (int task = 0; task < spec.tasks().size(); task++) {
          List<Integer> rows = new ArrayList<>();
          for (int row = 0; row < ids.length; row++) {
            if (ids[row] == task) {
              rows.add(row);
            }
          }
          if (rows.isEmpty()) {
            continue;
          }
          NDArray taskFeatures = rows.size() == ids.length ? features
              : features.get(batchManager.create(rows.stream().mapToLong(Integer::longValue).toArray()));
          float[] probabilities =
              loaded.heads().logits(store, task, taskFeatures, false).softmax(-1).toFloatArray();
          List<String> labels = spec.labels().get(task);
          int classes = labels.size();
          for (int i = 0; i < rows.size(); i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
              if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
                best = c;
              }
            }
            batch[rows.get(i)] = new Score(labels.get(best), probabilities[i * classes + best]);
          }
        }
        scores.addAll(List.of(batch));
      }
    }
  }

  @Override
  public void close() {
    unmerge();
    session.close();
    manager.close();
  }
}
