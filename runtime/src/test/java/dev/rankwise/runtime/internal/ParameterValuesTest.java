package dev.rankwise.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.util.NativeResource;
import dev.rankwise.runtime.ManagedArrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ParameterValues#overwrite}, from values and from an array: bit for bit, in the same array and native tensor, on a leaf
 * that requires grad, with grad mode on and on another thread, for a scalar too, and leaving no
 * array behind.
 */
class ParameterValuesTest extends ManagedArrays {

  private static final float[] AWKWARD = {-0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE,
      1f / 3, Float.NaN, -1e-30f};

  private NDArray parameter(Shape shape) {
    NDArray array = manager.randomNormal(shape);
    array.setRequiresGradient(true);
    return array;
  }

  @Test
  void theValuesArrive_bitForBit_inTheSameArrayAndTensor() {
    NDArray target = parameter(new Shape(2, 4));
    Object tensor = ((NativeResource<?>) target).getHandle();
    long arrays = manager.getManagedArrays().size();

    ParameterValues.overwrite(target, AWKWARD);

    assertArrayEquals(bits(AWKWARD), bits(target.toFloatArray()));
    assertEquals(tensor, ((NativeResource<?>) target).getHandle(), "the same native tensor");
    assertEquals(new Shape(2, 4), target.getShape());
    assertTrue(target.hasGradient(), "still requires grad");
    assertEquals(arrays, manager.getManagedArrays().size(), "no array left in the parameter's manager");
  }

  @Test
  void aLeafThatRequiresGradTakesThemWithGradModeOnAndStillLearns() {
    NDArray target = parameter(new Shape(3));
    NDArray weights = manager.create(new float[] {1, 2, 3});
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      ParameterValues.overwrite(target, new float[] {4, 5, 6});
      collector.backward(target.mul(weights).sum());
    }
    assertArrayEquals(new float[] {4, 5, 6}, target.toFloatArray());
    assertArrayEquals(new float[] {1, 2, 3}, target.getGradient().toFloatArray(), "the gradient reaches the leaf");
  }

  @Test
  void anotherThreadCanPutThemBack() throws InterruptedException {
    NDArray target = parameter(new Shape(2, 4));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> ParameterValues.overwrite(target, AWKWARD));
    thread.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    thread.start();
    thread.join();
    assertEquals(null, failure.get());
    assertArrayEquals(bits(AWKWARD), bits(target.toFloatArray()));
  }

  @Test
  void aScalarToo() {
    NDArray target = parameter(new Shape());
    ParameterValues.overwrite(target, new float[] {-0.0f});
    assertEquals(new Shape(), target.getShape());
    assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(target.toFloatArray()[0]));
  }

  @Test
  void anArrayCopiesIn_bitForBit_andStaysAsItIs() {
    NDArray target = parameter(new Shape(4, 2));
    Object tensor = ((NativeResource<?>) target).getHandle();
    NDArray source = manager.create(AWKWARD, new Shape(4, 2));

    ParameterValues.overwrite(target, source);

    assertArrayEquals(bits(AWKWARD), bits(target.toFloatArray()));
    assertArrayEquals(bits(AWKWARD), bits(source.toFloatArray()));
    assertEquals(tensor, ((NativeResource<?>) target).getHandle(), "the same native tensor");
    assertTrue(target.hasGradient(), "still requires grad");
    assertEquals("cannot copy a float32 array of shape (8) into a float32 array of shape (4, 2)", assertThrows(
        IllegalArgumentException.class, () -> ParameterValues.overwrite(target, source.reshape(8))).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ParameterValues.overwrite(target, source.toType(DataType.FLOAT64, true)));
  }

  @Test
  void theWrongCountOrTypeIsRefused() {
    NDArray target = parameter(new Shape(2, 3));
    assertEquals("cannot put 5 values into an array of shape (2, 3) (6 values)", assertThrows(
        IllegalArgumentException.class, () -> ParameterValues.overwrite(target, new float[5])).getMessage());
    NDArray ints = manager.zeros(new Shape(2), DataType.INT32);
    assertThrows(IllegalArgumentException.class, () -> ParameterValues.overwrite(ints, new float[2]));
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
