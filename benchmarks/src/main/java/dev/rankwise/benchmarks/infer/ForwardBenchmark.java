package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH around a {@link ForwardPass}: the copy of the batch is made before each invocation and freed
 * after it, so only the forward pass is timed. Subclasses say which model.
 */
public abstract class ForwardBenchmark {

  private NDManager manager;
  private ForwardPass forward;
  private NDManager pass;
  private NDArray batch;

  /**
   * Makes {@code forward} the benchmarked pass, its model in {@code manager}. Call from the
   * subclass's trial setup; JMH runs it on the thread that measures, so grad mode (thread-local in
   * PyTorch) is switched off here.
   */
  protected final void prepare(NDManager manager, ForwardPass forward) {
    JniUtils.setGradMode(false);
    this.manager = manager;
    this.forward = forward;
  }

  /** A fresh copy of the batch in the pass's own manager. */
  @Setup(Level.Invocation)
  public void newPass() {
    pass = manager.newSubManager();
    batch = forward.batch(pass);
  }

  /** The forward pass. */
  @Benchmark
  public NDArray forward() {
    return forward.run(pass, batch);
  }

  /** Frees the pass's arrays. */
  @TearDown(Level.Invocation)
  public void endPass() {
    pass.close();
  }

  /** Frees the model. */
  @TearDown(Level.Trial)
  public void close() {
    manager.close();
  }
}
