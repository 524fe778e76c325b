package dev.rankwise.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.model.AdaptedModel;
import java.io.IOException;
import java.util.Map;

/**
 * Builds what a benchmark runs: the setup's base model with its adapters attached, as after some
 * training — the up-projections drawn from N(0, 0.02²) instead of zero, so that the adapter path
 * changes the output and the PyTorch reference's agreement with it means something.
 */
public final class Fixture {

  /** Seed of the adapters' initialisation. */
  public static final long SEED = 7;

  private Fixture() {}

  /** The setup's model with its adapters, every weight in {@code manager}. */
  public static AdaptedModel adapted(Setup setup, NDManager manager) throws IOException {
    AdaptedModel model = setup.spec().attach(setup.workload().newBase(manager), SEED);
    Engine.getInstance().setRandomSeed((int) SEED);
    for (AdapterLayer layer : model.layers().values()) {
      for (Map.Entry<String, Parameter> parameter : layer.adapterParameters().entrySet()) {
        String name = parameter.getKey();
        if (name.startsWith(LoraLinear.LORA_B) || name.equals(RankExpertsLinear.EXPERTS_B)) {
          NDArray array = parameter.getValue().getArray();
          try (NDManager scratch = manager.newSubManager()) {
            scratch.randomNormal(0f, 0.02f, array.getShape(), array.getDataType()).copyTo(array);
          }
        }
      }
    }
    return model;
  }

  /**
   * Task ids of a batch's rows: all 0, or with {@code mixed} the rows dealt round-robin to the
   * {@code tasks} tasks.
   */
  public static NDArray taskIds(NDManager manager, int rows, int tasks, boolean mixed) {
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = mixed ? i % tasks : 0;
    }
    return manager.create(ids);
  }
}
