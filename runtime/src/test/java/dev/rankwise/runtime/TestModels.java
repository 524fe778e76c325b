package dev.rankwise.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.engine.Engine;
import java.util.List;
import java.util.function.Function;

/** Small real models and a plain training loop for the runtime's tests. */
public final class TestModels {

  private TestModels() {}

  /** An initialised linear layer with weights from the engine's seeded RNG. */
  public static Linear linear(NDManager manager, long in, long out, boolean bias, DataType type) {
    Linear linear = Linear.builder().setUnits(out).optBias(bias).build();
    linear.initialize(manager, type, new Shape(-1, in));
    for (Parameter parameter : linear.getParameters().values()) {
      NDArray random = manager.randomNormal(parameter.getArray().getShape()).toType(type, false);
      parameter.getArray().set(random.toByteBuffer());
      // A nonzero bias so that "bias unchanged" is a real check.
    }
    return linear;
  }

  /** Forward pass without gradients. */
  public static NDArray predict(Block block, NDManager manager, NDArray input) {
    return block.forward(new ParameterStore(manager, false), new NDList(input), false)
        .singletonOrThrow();
  }

  /**
   * Trains the parameters with Adam on a loss built from the block's output; returns the last loss.
   *
   * @param loss maps the block's prediction (in the step's manager) to a scalar loss
   */
  public static float train(
      Block block,
      List<Parameter> trainable,
      NDManager manager,
      NDArray input,
      Function<NDArray, NDArray> loss,
      int steps,
      float learningRate) {
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build();
    float last = Float.NaN;
    for (int step = 0; step < steps; step++) {
      try (NDManager stepManager = manager.newSubManager()) {
        NDArray stepInput = input.duplicate();
        stepInput.attach(stepManager);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray prediction =
              block.forward(new ParameterStore(stepManager, false), new NDList(stepInput), true)
                  .singletonOrThrow();
          NDArray value = loss.apply(prediction);
          collector.backward(value);
          last = value.getFloat();
        }
        for (Parameter parameter : trainable) {
          NDArray array = parameter.getArray();
          adam.update(parameter.getId(), array, array.getGradient());
        }
      }
    }
    return last;
  }
}
