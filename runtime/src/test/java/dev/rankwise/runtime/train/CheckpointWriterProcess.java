package dev.rankwise.runtime.train;

import dev.rankwise.runtime.io.Checkpoint;
import dev.rankwise.runtime.io.CheckpointDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A child process for the crash test that only writes large checkpoints (20 MB each, steps 1, 2,
 * 3, ...) into {@code folder} without end, so that a kill almost always lands inside a write. Each
 * checkpoint's values are its step, so a reader can tell a whole one from a mixed one.
 *
 * <p>Arguments: {@code folder}.
 */
public final class CheckpointWriterProcess {

  /** Floats per checkpoint. */
  static final int VALUES = 5_000_000;

  private CheckpointWriterProcess() {}

  /** Writes checkpoints until killed. */
  public static void main(String[] args) throws IOException {
    CheckpointDirectory folder = new CheckpointDirectory(Path.of(args[0]), 3);
    int step = folder.newestValid(message -> { }).map(loaded -> loaded.checkpoint().step()).orElse(0);
    System.out.println("writing from step " + (step + 1));
    System.out.flush();
    while (true) {
      step++;
      folder.write(checkpoint(step));
    }
  }

  /** The checkpoint of a step: one parameter whose every value is the step. */
  static Checkpoint checkpoint(int step) {
    float[] values = new float[VALUES];
    Arrays.fill(values, step);
    Checkpoint.Array array = new Checkpoint.Array(new long[] {VALUES}, values);
    return new Checkpoint(step, "writer", step, Map.of("weight", array), Map.of(), Map.of(), Map.of(), Map.of());
  }
}
