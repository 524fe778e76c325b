package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import dev.rankwise.runtime.NativeAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The matrix product underneath every linear layer, {@code x · Wᵀ} for x (M, K) and W (N, K), on
 * the shapes of MiniLM's layers and the synthetic stack: the BLAS libtorch brings, beside the one
 * the reference's torch brings.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmBenchmark {

  /** The shapes, MxKxN. */
  public static final String SHAPES = "1024x384x384,1024x384x1536,1024x1536x384,1024x1024x1024";

  /** M×K×N. */
  @Param({"1024x384x384", "1024x384x1536", "1024x1536x384", "1024x1024x1024"})
  public String shape;

  private NDManager manager;
  private NDArray x;
  private NDArray weight;
  private NDManager pass;

  /** Random operands of the shape. */
  @Setup(Level.Trial)
  public void load() {
    NativeAllocator.keepFreedMemory(); // as the command line does, before anything loads (docs/DESIGN.md §7)
    String[] sizes = shape.split("x");
    manager = NDManager.newBaseManager();
    JniUtils.setGradMode(false); // once the engine is loaded; grad mode is per thread in PyTorch
    x = manager.randomNormal(new Shape(Long.parseLong(sizes[0]), Long.parseLong(sizes[1])));
    weight = manager.randomNormal(new Shape(Long.parseLong(sizes[2]), Long.parseLong(sizes[1])));
  }

  /** The product's own manager. */
  @Setup(Level.Invocation)
  public void newPass() {
    pass = manager.newSubManager();
  }

  /** {@code x · Wᵀ}, as {@link Linear} computes it without a bias. */
  @Benchmark
  public NDArray product() {
    NDArray product = Linear.linear(x, weight).singletonOrThrow();
    product.attach(pass);
    return product;
  }

  /** Frees the product. */
  @TearDown(Level.Invocation)
  public void endPass() {
    pass.close();
  }

  /** Frees the operands. */
  @TearDown(Level.Trial)
  public void close() {
    manager.close();
  }
}
