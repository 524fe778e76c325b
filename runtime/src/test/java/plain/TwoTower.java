package plain;

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
 * A small block tree like a user's: two linear children called through fields, and a sequential
 * head. Paths: {@code query}, {@code value}, {@code head}, {@code head.0}, {@code head.1}, {@code
 * head.2}. {@code finalQuery} is a final alias of {@code query}, as models written without
 * rankwise in mind often hold their layers.
 *
 * <p>It lives outside {@code dev.rankwise} and imports only DJL, as a user's model does, so that a
 * JVM without rankwise on its class path can load a merged-and-unloaded copy of it.
 */
public class TwoTower extends AbstractBlock {

  public Linear query;
  public Linear value;
  public final SequentialBlock head;
  public final Linear finalQuery;
  public Linear unregistered = Linear.builder().setUnits(2).build();

  public TwoTower(int width, int classes) {
    query = addChildBlock("query", Linear.builder().setUnits(width).build());
    value = addChildBlock("value", Linear.builder().setUnits(width).optBias(false).build());
    finalQuery = query;
    head =
        addChildBlock(
            "head",
            new SequentialBlock()
                .add(Linear.builder().setUnits(width).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(classes).build()));
  }

  /** A built and initialised tree with weights from the engine's RNG. */
  public static TwoTower initialised(NDManager manager, int in, int width, int classes) {
    TwoTower tower = new TwoTower(width, classes);
    tower.setInitializer(new ai.djl.training.initializer.NormalInitializer(0.5f),
        ai.djl.nn.Parameter.Type.WEIGHT);
    tower.setInitializer(new ai.djl.training.initializer.NormalInitializer(0.5f),
        ai.djl.nn.Parameter.Type.BIAS);
    tower.initialize(manager, DataType.FLOAT32, new Shape(1, in));
    return tower;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList q = query.forward(store, inputs, training, params);
    NDList v = value.forward(store, inputs, training, params);
    return head.forward(store, new NDList(q.singletonOrThrow().add(v.singletonOrThrow())), training);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    query.initialize(manager, dataType, inputShapes);
    value.initialize(manager, dataType, inputShapes);
    head.initialize(manager, dataType, query.getOutputShapes(inputShapes));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return head.getOutputShapes(query.getOutputShapes(inputShapes));
  }
}
