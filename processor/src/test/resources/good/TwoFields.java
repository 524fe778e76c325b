package test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.annotations.Lora;

/** An existing DJL block class with two adapted fields. */
public class TwoFields extends AbstractBlock {
  @Lora(rankA = 4, rankB = 8)
  Linear query;

  Linear key;

  @Lora(rankA = 2, rankB = 2, alpha = 4)
  protected Linear valueProjection;

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return inputs;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
