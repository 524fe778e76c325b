package dev.rankwise.samples.quickstart;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A model that knows nothing of rankwise: an {@code encoder} (a sequential stack) and a {@code
 * head}. Its linear layers have the block paths {@code encoder.0}, {@code encoder.2} and {@code
 * head}, which {@link ShiftAdapters} selects by pattern.
 */
public class Mlp extends AbstractBlock {

  private static final byte VERSION = 1;

  private final SequentialBlock encoder;
  private final Linear head;

  /**
   * Creates the model.
   *
   * @param width hidden width
   * @param classes number of classes
   */
  public Mlp(int width, int classes) {
    super(VERSION);
    encoder =
        addChildBlock(
            "encoder",
            new SequentialBlock()
                .add(Linear.builder().setUnits(width).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(width).build())
                .add(Activation::relu));
    head = addChildBlock("head", Linear.builder().setUnits(classes).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return head.forward(
        parameterStore, encoder.forward(parameterStore, inputs, training, params), training, params);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    encoder.initialize(manager, dataType, inputShapes);
    head.initialize(manager, dataType, encoder.getOutputShapes(inputShapes));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return head.getOutputShapes(encoder.getOutputShapes(inputShapes));
  }
}
