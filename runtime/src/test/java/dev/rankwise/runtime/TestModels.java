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
import dev.rankwise.runtime.internal.RoutingContext;
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

  /** Forward pass without gradients, each row routed to its task. */
  public static NDArray predict(Block block, NDManager manager, NDArray input, NDArray taskIds) {
    try (RoutingContext routing = RoutingContext.open(taskIds)) {
      return predict(block, manager, input);
    }
  }

  /** As the full {@link #train}, without task ids. */
  public static float train(
      Block block,
      List<Parameter> trainable,
      NDManager manager,
      NDArray input,
      Function<NDArray, NDArray> loss,
      int steps,
      float learningRate) {
    return train(block, trainable, manager, input, null, loss, steps, learningRate);
  }

  /**
   * Trains the parameters with Adam on a loss built from the block's output plus the auxiliary
   * losses of the pass; returns the last objective (without auxiliary losses).
   *
   * @param taskIds each row's task, or null to route without task ids
   * @param loss maps the block's prediction (in the step's manager) to a scalar loss
   */
  public static float train(
      Block block,
      List<Parameter> trainable,
      NDManager manager,
      NDArray input,
      NDArray taskIds,
      Function<NDArray, NDArray> loss,
      int steps,
      float learningRate) {
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build();
    float last = Float.NaN;
    for (int step = 0; step < steps; step++) {
      try (NDManager stepManager = manager.newSubManager()) {
        NDArray stepInput = input.duplicate();
        stepInput.attach(stepManager);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
            RoutingContext routing = taskIds == null
                ? RoutingContext.collectingLosses()
                : RoutingContext.open(taskIds)) {
          NDArray prediction =
              block.forward(new ParameterStore(stepManager, false), new NDList(stepInput), true)
                  .singletonOrThrow();
          NDArray value = loss.apply(prediction);
          last = value.getFloat();
          collector.backward(routing.auxiliaryLoss().map(value::add).orElse(value));
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
