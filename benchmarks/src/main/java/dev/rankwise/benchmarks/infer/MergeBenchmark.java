package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDManager;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.runtime.NativeAllocator;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Inference latency of the frozen base, the base with LoRA unmerged, and with LoRA merged. */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MergeBenchmark extends ForwardBenchmark {

  /** The setup (a LoRA on MiniLM or on the linear stack). */
  @Param({"minilm-lora-8", "stack-lora-8"})
  public String setup;

  /** {@code base}, {@code unmerged} or {@code merged}. */
  @Param({"base", "unmerged", "merged"})
  public String variant;

  /** Loads the model the variant names. */
  @org.openjdk.jmh.annotations.Setup(Level.Trial)
  public void load() throws IOException {
    NativeAllocator.keepFreedMemory(); // as the command line does, before anything loads (docs/DESIGN.md §7)
    NDManager manager = NDManager.newBaseManager();
    prepare(manager, Variants.load(Setup.byId(setup), variant, manager));
  }
}
