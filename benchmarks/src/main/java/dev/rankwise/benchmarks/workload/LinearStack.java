package dev.rankwise.benchmarks.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * A synthetic stack of square linear layers, children {@code "0"} to {@code "n-1"}, with ReLU
 * between them: (batch, tokens, width) in, the mean over tokens (batch, width) out. Its layers are
 * read from the child list at every call, so adapters that replace them take effect.
 */
public final class LinearStack extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int width;

  /** An uninitialised stack of {@code layers} layers of {@code width} units. */
  public LinearStack(int layers, int width) {
    super(VERSION);
    this.width = width;
    for (int i = 0; i < layers; i++) {
      addChildBlock(Integer.toString(i), Linear.builder().setUnits(width).build());
    }
  }

  /** A stack with weights drawn from DJL's default initialiser (seeded by the engine). */
  public static LinearStack initialised(int layers, int width, NDManager manager) {
    LinearStack stack = new LinearStack(layers, width);
    stack.initialize(manager, DataType.FLOAT32, new Shape(1, 1, width));
    return stack;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    List<Block> layers = getChildren().values();
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(store, new NDList(x), training).singletonOrThrow();
      if (i < layers.size() - 1) {
        x = Activation.relu(x);
      }
    }
    return new NDList(x.mean(new int[] {1}));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), width)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (Block layer : getChildren().values()) {
      layer.initialize(manager, dataType, inputShapes);
    }
  }
}
