package dev.rankwise.runtime.route;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.runtime.internal.RoutingContext;
import java.util.Arrays;

/**
 * An adapted block whose rows each name their task, for inference: its inputs are the wrapped
 * block's inputs followed by the task ids (rows) as an integer array, and every row goes through
 * its own task's adapters, as PEFT's {@code forward(adapter_names=...)} does. The task ids reach
 * adapters deep inside blocks that pass only an {@code NDList} through a routing context confined
 * to the calling thread, so one block serves several threads at once. Freeze its parameters for
 * that ({@link TaskClassifier} does): DJL's PyTorch engine turns gradients off only on the thread
 * that loaded it, and on other threads trainable parameters would record a graph.
 *
 * <p>Training does not go through here: {@code TaskTrainer} routes its own steps, because it
 * also collects the auxiliary losses of the routing.
 */
public final class RoutedBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final Block block;

  /** Wraps an adapted block, such as {@code AdaptedModel.block()}. */
  public RoutedBlock(Block block) {
    super(VERSION);
    this.block = addChildBlock("block", block);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    if (training) {
      throw new IllegalArgumentException("routed blocks (RoutedBlock, ClassifierBlock) are for inference"
          + " (training = false): train with TaskTrainer, which routes its steps and collects the"
          + " routing's auxiliary losses");
    }
    if (inputs.size() < 2) {
      throw new IllegalArgumentException("RoutedBlock reads the block's inputs followed by the task ids"
          + " (rows), got " + inputs.size() + " array(s)");
    }
    NDArray taskIds = inputs.get(inputs.size() - 1);
    try (RoutingContext routing = RoutingContext.open(taskIds)) {
      return block.forward(store, new NDList(inputs.subList(0, inputs.size() - 1)), false, params);
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    block.initialize(manager, dataType, blockShapes(inputShapes));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return block.getOutputShapes(blockShapes(inputShapes));
  }

  private static Shape[] blockShapes(Shape[] inputShapes) {
    return Arrays.copyOf(inputShapes, inputShapes.length - 1);
  }
}
