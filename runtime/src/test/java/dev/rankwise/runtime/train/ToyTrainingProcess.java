package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.io.CheckpointDirectory;
import dev.rankwise.runtime.model.AdaptedModel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training a crash test runs in a child JVM: the toy tasks for {@code steps} steps with a
 * checkpoint after every step into {@code folder}, resuming from the newest valid one; at the end
 * the trained values go to {@code result} (name, length, floats). It prints the step it starts
 * from, so the test can check that the resume picked the newest valid checkpoint.
 *
 * <p>Arguments: {@code folder steps result}.
 */
public final class ToyTrainingProcess {

  private ToyTrainingProcess() {}

  /** Runs the training; see the class comment. */
  public static void main(String[] args) throws IOException {
    Path folder = Path.of(args[0]);
    int steps = Integer.parseInt(args[1]);
    Path result = Path.of(args[2]);
    try (NDManager manager = NDManager.newBaseManager()) {
      // Load the engine first, so that the test's kills land in training, not in start-up.
      ToyTasks.model(manager, 1);
      int from = new CheckpointDirectory(folder, 1).newestValid(message -> { })
          .map(loaded -> loaded.checkpoint().step()).orElse(0);
      System.out.println("training from step " + from);
      System.out.flush();
      Map<String, float[]> weights = run(manager, steps, Checkpointing.into(folder).withEvery(1).withResume(true));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        for (Map.Entry<String, float[]> entry : weights.entrySet()) {
          out.writeUTF(entry.getKey());
          out.writeInt(entry.getValue().length);
          for (float value : entry.getValue()) {
            out.writeFloat(value);
          }
        }
      }
      AtomicFiles.write(result, bytes.toByteArray());
    }
    System.out.println("done");
  }

  /** Trains the toy model and returns its trained values by name. */
  static Map<String, float[]> run(NDManager manager, int steps, Checkpointing checkpointing) {
    AdaptedModel model = ToyTasks.model(manager, 1);
    ToyTasks.trainer(ToyTasks.config(steps).build(), checkpointing)
        .fit(model, ToyTasks.heads(manager), ToyTasks.tasks(manager, 64));
    Map<String, float[]> weights = new LinkedHashMap<>();
    model.namedTrainableParameters().forEach((name, p) -> weights.put(name, p.getArray().toFloatArray()));
    return weights;
  }
}
