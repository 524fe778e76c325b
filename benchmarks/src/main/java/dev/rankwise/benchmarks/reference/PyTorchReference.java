package dev.rankwise.benchmarks.reference;

import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.JsonProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch-eager reference: {@code benchmarks/reference/pytorch_reference.py} run by a Python
 * that has {@code torch}, with the same number of threads as our side ({@code torch.set_num_threads}
 * and {@code OMP_NUM_THREADS}).
 */
public final class PyTorchReference {

  /** How to get a Python with torch where there is none. */
  public static final String INSTALL_HINT = "install PyTorch for Python 3 — on Debian or Ubuntu:"
      + " `sudo apt-get install python3-torch libopenblas0-openmp` (without the OpenBLAS package torch runs"
      + " on the slow reference BLAS), elsewhere `pip install torch` — or name an interpreter that has it"
      + " with --python";

  private final String python;
  private final Path script;
  private final int threads;

  private PyTorchReference(String python, Path script, int threads) {
    this.python = python;
    this.script = script;
    this.threads = threads;
  }

  /**
   * The reference run by the first of {@code candidates} that can import torch.
   *
   * @return empty, with the reason in {@code whyNot}, if none can
   */
  public static Optional<PyTorchReference> find(List<String> candidates, Path script, int threads,
      StringBuilder whyNot) {
    List<String> tried = new ArrayList<>();
    for (String python : candidates) {
      tried.add(python);
      try {
        Process probe = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        if (probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0) {
          return Optional.of(new PyTorchReference(python, script, threads));
        }
      } catch (IOException e) {
        // Not there: try the next one.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    whyNot.append("no Python with torch (tried ").append(String.join(", ", tried)).append("); ").append(INSTALL_HINT);
    return Optional.empty();
  }

  /** The interpreter used. */
  public String python() {
    return python;
  }

  /** Times {@code warmup + measured} training steps of an export; see the script's {@code train} mode. */
  public JsonObject train(Path export, int warmup, int measured, Path log) throws IOException, InterruptedException {
    return run("train", export, warmup, measured, log);
  }

  /** Times inference of an export, base, unmerged and merged; see the script's {@code infer} mode. */
  public JsonObject infer(Path export, int warmup, int measured, Path log) throws IOException, InterruptedException {
    return run("infer", export, warmup, measured, log);
  }

  /** Times {@code x · Wᵀ} for each {@code MxKxN} of {@code shapes} (comma-separated); the script's {@code gemm} mode. */
  public JsonObject gemm(String shapes, int warmup, int measured, Path log) throws IOException, InterruptedException {
    return run("gemm", List.of("--shapes", shapes), warmup, measured, log);
  }

  private JsonObject run(String mode, Path export, int warmup, int measured, Path log)
      throws IOException, InterruptedException {
    return run(mode, List.of("--export", export.toString()), warmup, measured, log);
  }

  private JsonObject run(String mode, List<String> input, int warmup, int measured, Path log)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python, "-B", script.toString(), mode));
    command.addAll(input);
    command.addAll(List.of("--warmup", Integer.toString(warmup), "--measured", Integer.toString(measured),
        "--threads", Integer.toString(threads)));
    return JsonProcess.run(command, threadEnvironment(threads), log);
  }

  /** The environment that caps OpenMP and BLAS thread pools at {@code threads}, on both sides. */
  public static Map<String, String> threadEnvironment(int threads) {
    String value = Integer.toString(threads);
    return Map.of("OMP_NUM_THREADS", value, "MKL_NUM_THREADS", value, "OPENBLAS_NUM_THREADS", value);
  }
}
