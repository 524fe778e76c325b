package test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;

/** A block class with rank-expert fields, routed by task. */
@TaskRouter(tasks = {"a", "b"})
public class ExpertFields extends AbstractBlock {
  @RankExperts(count = 4, topK = 2)
  public Linear hidden;

  @RankExperts(count = 6, topK = 3, alpha = 6)
  Linear output;

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
