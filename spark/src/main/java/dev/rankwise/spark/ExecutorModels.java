package dev.rankwise.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The models of this JVM (an executor, or the driver in local mode), loaded on first use and kept
 * for the JVM's life, keyed by adapter folder and scoring spec. A Spark task borrows a scorer for
 * its partition and gives it back: an executor running one task at a time (the usual setting for
 * a multi-threaded native engine) holds one model; an executor with k task slots holds at most k,
 * because merged weights are per-model state that two tasks may not share.
 */
public final class ExecutorModels {

  private static final Map<Key, ConcurrentLinkedDeque<TaskScorer>> IDLE = new ConcurrentHashMap<>();
  private static final Map<Key, Integer> LOADED = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  /** A scorer for these adapters, idle or newly loaded; give it back with {@link #giveBack}. */
  public static TaskScorer borrow(ScoringSpec spec, Path adapters) {
    Key key = new Key(adapters.toAbsolutePath().normalize(), spec);
    TaskScorer idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
    if (idle != null) {
      return idle;
    }
    configureEngine(spec.threads());
    try {
      TaskScorer scorer = new TaskScorer(spec, key.adapters());
      LOADED.merge(key, 1, Integer::sum);
      return scorer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the adapters in " + adapters + ": " + e.getMessage(), e);
    }
  }

  /** Returns a scorer with its base weights restored, for the next task of this JVM. */
  public static void giveBack(TaskScorer scorer, Path adapters) {
    scorer.unmerge();
    IDLE.get(new Key(adapters.toAbsolutePath().normalize(), scorer.spec())).addFirst(scorer);
  }

  /** How many models this JVM has loaded for these adapters (for the tests and the benchmark). */
  public static int loaded(ScoringSpec spec, Path adapters) {
    return LOADED.getOrDefault(new Key(adapters.toAbsolutePath().normalize(), spec), 0);
  }

  /**
   * DJL reads its engine settings once, when the engine loads: offline (the native library comes
   * from the pytorch-native jar), PyTorch, and the intra-op threads of each task slot. Settings
   * already given (-D or spark.executor.extraJavaOptions) win.
   */
  private static void configureEngine(int threads) {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.default_engine", "PyTorch");
    setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threads));
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  private record Key(Path adapters, ScoringSpec spec) {
    Key {
      Objects.requireNonNull(adapters);
    }
  }
}
