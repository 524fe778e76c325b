package dev.rankwise.runtime.experts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.lora.PerTaskLoraLinear;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Autograd's gradient of every adapter parameter of every adapter kind against central finite
 * differences, in float64 on a tiny layer: plain LoRA, decomposed LoRA with a learned mixer,
 * per-task LoRA, and rank experts with a task gate, an adaptive task gate and a token router. The
 * scalar differentiated is {@code Σ output ⊙ w} for fixed random {@code w}, plus the auxiliary
 * losses of the pass (rank cost, load balancing, contrastive), as training adds them. Every
 * parameter, {@code B} included, is first set to random values: at {@code B = 0} the gradients of
 * {@code A}, {@code T} and the gates are zero and the check would prove little.
 *
 * <p><b>Straight-through gates.</b> Rank experts run a hard forward: the gate is {@code g = hard +
 * soft − stopGradient(soft)} ({@code RankExpertsLinear.straightThrough}), where {@code hard} is the
 * top-k mask of the scores {@code soft}, and with adaptive ranks the mask itself is placed from
 * {@code keep = keepHard + keepSoft − stopGradient(keepSoft)}. A small step never changes a hard
 * decision, so the finite difference of that forward sees no change through the gate: it is not the
 * gradient. What autograd computes is the derivative at {@code θ₀} of the surrogate
 *
 * <pre>  L̃(θ) = L with g := hard(θ₀) + soft(θ) − soft(θ₀)
 *               and keep := keepHard(θ₀) + keepSoft(θ) − keepSoft(θ₀),</pre>
 *
 * <p>the loss with every hard decision (which experts, in which order, how many) frozen at
 * {@code θ₀} and the soft scores live, equal to {@code L} at {@code θ₀}. {@link FrozenGateLoss}
 * computes {@code L̃} independently of the runtime, in plain Java, and the routing parameters'
 * gradients are checked against its finite differences; {@code A} and {@code B}, on which no hard
 * decision depends, are checked against the layer's own.
 */
class GradientCheckTest extends ManagedArrays {

  private static final long IN = 5;
  private static final long OUT = 4;
  private static final int ROWS = 6;
  private static final int TOKENS = 2;
  private static final List<String> TASKS = List.of("spam", "sentiment", "grain");
  private static final long[] TASK_IDS = {0, 1, 2, 2, 1, 0};

  /** Step of the central differences; their error is O(step²) and float64 rounding ~1e-10. */
  private static final double STEP = 1e-6;

  /** Allowed difference, relative to the larger of 1 and the numeric derivative. */
  private static final double TOLERANCE = 1e-6;

  private final Random random = new Random(3);

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(5);
  }

  static Stream<LoraConfig> loraConfigs() {
    return Stream.of(
        LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).optAlpha(7).build(),
        LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build(),
        LoraConfig.builder().setRanks(2, 3).build(),
        LoraConfig.builder().setRanks(3, 2).optAlpha(5).build(),
        LoraConfig.builder().setRanks(4, 2).optAlpha(3).optRsLora(true).build());
  }

  /** LoRA ({@code A'}, {@code B'}) and decomposed LoRA ({@code A'}, {@code T}, {@code B'}). */
  @ParameterizedTest
  @MethodSource("loraConfigs")
  void loraGradientsMatchFiniteDifferences(LoraConfig config) {
    Pass pass = new Pass(LoraLinear.wrap(base(), config, 5), input(TOKENS), null);
    pass.checkAgainstOwnLoss(pass.layer.adapterParameters().keySet());
  }

  /** Each task's {@code A'}, {@code T}, {@code B'}, on 2-D rows of a mixed-task batch. */
  @Test
  void perTaskLoraGradientsMatchFiniteDifferences() {
    TaskRouterConfig router = new TaskRouterConfig(TASKS, false, 0);
    LoraConfig config = LoraConfig.builder().setRanks(2, 3).build();
    Pass pass = new Pass(PerTaskLoraLinear.wrap(base(), config, router, 5), input(0),
        manager.create(TASK_IDS));
    assertEquals(9, pass.layer.adapterParameters().size());
    pass.checkAgainstOwnLoss(pass.layer.adapterParameters().keySet());
  }

  /** Experts, task embeddings, gate projection and offsets; with the contrastive loss on. */
  @Test
  void taskGatedExpertsMatchTheStraightThroughSurrogate() {
    checkExperts(Optional.of(new TaskRouterConfig(TASKS, false, 0.1)),
        RankExpertsConfig.builder().setExperts(5, 2).optAlpha(4).build());
  }

  /** As the task gate, plus the rank logits and their rank cost. */
  @Test
  void adaptiveTaskGateMatchesTheStraightThroughSurrogate() {
    checkExperts(Optional.of(new TaskRouterConfig(TASKS, true, 0)),
        RankExpertsConfig.builder().setExperts(5, 3).build());
  }

  /** Experts and the token router, with the load-balancing loss. */
  @Test
  void tokenRoutedExpertsMatchTheStraightThroughSurrogate() {
    checkExperts(Optional.empty(),
        RankExpertsConfig.builder().setExperts(5, 2).optAlpha(3).optBalance(0.5).build());
  }

  private void checkExperts(Optional<TaskRouterConfig> router, RankExpertsConfig config) {
    RankExpertsLinear layer = RankExpertsLinear.wrap(base(), config, router, 5);
    Pass pass =
        new Pass(layer, input(TOKENS), router.isPresent() ? manager.create(TASK_IDS) : null);
    pass.checkAgainstOwnLoss(List.of(RankExpertsLinear.EXPERTS_A, RankExpertsLinear.EXPERTS_B));

    Map<String, double[]> theta0 = pass.values();
    FrozenGateLoss surrogate = new FrozenGateLoss(layer, pass.input.toDoubleArray(),
        router.isPresent() ? TASK_IDS : null, pass.weights.toDoubleArray(), theta0);
    double loss = pass.loss();
    assertEquals(loss, surrogate.loss(theta0), TOLERANCE * Math.max(1, Math.abs(loss)),
        "the surrogate is the layer's loss at θ₀ (same function, same hard decisions)");
    for (String name : layer.routingParameters().keySet()) {
      pass.check(name, i -> {
        Map<String, double[]> theta = new LinkedHashMap<>(theta0);
        double[] values = theta0.get(name).clone();
        theta.put(name, values);
        double original = values[i];
        values[i] = original + STEP;
        double plus = surrogate.loss(theta);
        values[i] = original - STEP;
        double minus = surrogate.loss(theta);
        return (plus - minus) / (2 * STEP);
      });
    }
  }

  private Linear base() {
    return TestModels.linear(manager, IN, OUT, true, DataType.FLOAT64);
  }

  /** Random input of shape (ROWS, tokens, IN), or (ROWS, IN) for 0 tokens. */
  private NDArray input(int tokens) {
    Shape shape = tokens == 0 ? new Shape(ROWS, IN) : new Shape(ROWS, tokens, IN);
    return manager.create(gaussian(shape.size(), 1), shape);
  }

  private double[] gaussian(long size, double deviation) {
    double[] values = new double[Math.toIntExact(size)];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextGaussian() * deviation;
    }
    return values;
  }

  /** One adapter layer, its input and the fixed weights of the scalar loss. */
  private final class Pass {
    final AdapterLayer layer;
    final NDArray input;
    final NDArray taskIds;
    final NDArray weights;
    final Map<String, double[]> gradients = new LinkedHashMap<>();

    /** Randomises every adapter parameter, then takes autograd's gradients in one backward pass. */
    Pass(AdapterLayer layer, NDArray input, NDArray taskIds) {
      this.layer = layer;
      this.input = input;
      this.taskIds = taskIds;
      Shape shape = input.getShape();
      Shape outShape = shape.slice(0, shape.dimension() - 1).add(OUT);
      this.weights = manager.create(gaussian(outShape.size(), 1), outShape);
      for (Parameter parameter : layer.adapterParameters().values()) {
        NDArray array = parameter.getArray();
        assertEquals(DataType.FLOAT64, array.getDataType(), parameter.getName());
        array.set(gaussian(array.getShape().size(), 0.5));
      }
      // The collector accumulates into the gradients and never zeroes them: one backward for all.
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(lossArray());
        layer.adapterParameters().forEach((name, parameter) ->
            gradients.put(name, parameter.getArray().getGradient().toDoubleArray()));
      }
    }

    /** {@code Σ output ⊙ weights} plus the auxiliary losses of the pass. */
    NDArray lossArray() {
      try (RoutingContext routing =
          taskIds == null ? RoutingContext.collectingLosses() : RoutingContext.open(taskIds)) {
        NDArray output = layer.forward(new ParameterStore(manager, false), new NDList(input), true)
            .singletonOrThrow();
        NDArray value = output.mul(weights).sum();
        return routing.auxiliaryLoss().map(value::add).orElse(value);
      }
    }

    double loss() {
      return lossArray().getDouble();
    }

    Map<String, double[]> values() {
      Map<String, double[]> values = new LinkedHashMap<>();
      layer.adapterParameters().forEach(
          (name, parameter) -> values.put(name, parameter.getArray().toDoubleArray()));
      return values;
    }

    /** Checks the named parameters against central differences of the layer's own loss. */
    void checkAgainstOwnLoss(Iterable<String> names) {
      for (String name : names) {
        NDArray array = layer.adapterParameters().get(name).getArray();
        double[] values = array.toDoubleArray();
        check(name, i -> {
          double original = values[i];
          values[i] = original + STEP;
          array.set(values);
          double plus = loss();
          values[i] = original - STEP;
          array.set(values);
          double minus = loss();
          values[i] = original;
          array.set(values);
          return (plus - minus) / (2 * STEP);
        });
      }
    }

    /** Compares autograd's gradient of one parameter with {@code numeric}, element by element. */
    void check(String name, IntToDoubleFunction numeric) {
      double[] analytic = gradients.get(name);
      for (int i = 0; i < analytic.length; i++) {
        double expected = numeric.applyAsDouble(i);
        assertEquals(expected, analytic[i], TOLERANCE * Math.max(1, Math.abs(expected)),
            name + "[" + i + "] of " + layer.config());
      }
      double norm = Math.sqrt(Arrays.stream(analytic).map(g -> g * g).sum());
      assertTrue(norm > 1e-3,
          name + " has (almost) no gradient here, " + norm + ": the check would prove nothing");
    }
  }

  /**
   * The straight-through surrogate {@code L̃} of a rank-experts layer (see the class comment),
   * written from the maths of {@link RankExpertsLinear}'s Javadoc, independently of the runtime:
   * the hard decisions are taken once at {@code θ₀}; {@link #loss} evaluates {@code L̃(θ)} for any
   * parameter values {@code θ} by name.
   */
  private static final class FrozenGateLoss {
    private final RankExpertsConfig config;
    private final TaskRouterConfig router;
    private final int in;
    private final int out;
    private final int experts;
    private final int rows;
    private final int tokens;
    private final double[] input;
    private final long[] taskIds;
    private final double[] weights;
    private final double[] baseWeight;
    private final double[] baseBias;
    /** Frozen at θ₀, per row and token: the scores, and the topK best experts, best first. */
    private final double[][] soft0;
    private final int[][] best0;
    /** Frozen at θ₀, adaptive only, per row: the keep probabilities and r* − 1. */
    private final double[][] keepSoft0;
    private final int[] chosen0;

    FrozenGateLoss(RankExpertsLinear layer, double[] input, long[] taskIds, double[] weights,
        Map<String, double[]> theta0) {
      this.config = layer.config();
      this.router = layer.router().orElse(null);
      this.in = Math.toIntExact(layer.inFeatures());
      this.out = Math.toIntExact(layer.outFeatures());
      this.experts = config.count();
      this.rows = ROWS;
      this.tokens = input.length / (ROWS * in);
      this.input = input;
      this.taskIds = taskIds;
      this.weights = weights;
      this.baseWeight = layer.baseWeight().getArray().toDoubleArray();
      this.baseBias = layer.baseBias().orElseThrow().getArray().toDoubleArray();
      soft0 = new double[rows * tokens][];
      best0 = new int[rows * tokens][];
      for (int token = 0; token < rows * tokens; token++) {
        soft0[token] = scores(theta0, token);
        double[] scores = soft0[token];
        best0[token] = IntStream.range(0, experts).boxed()
            .sorted(Comparator.comparingDouble((Integer e) -> -scores[e]).thenComparingInt(e -> e))
            .limit(config.topK()).mapToInt(Integer::intValue).toArray();
      }
      boolean adaptive = router != null && router.adaptive();
      keepSoft0 = new double[rows][];
      chosen0 = new int[rows];
      for (int row = 0; adaptive && row < rows; row++) {
        keepSoft0[row] = keepSoft(theta0, row);
        double[] ranks = rankProbabilities(theta0, row);
        chosen0[row] = IntStream.range(0, ranks.length)
            .reduce((a, b) -> ranks[b] > ranks[a] ? b : a)
            .orElseThrow();
      }
    }

    double loss(Map<String, double[]> theta) {
      double[] a = theta.get(RankExpertsLinear.EXPERTS_A);
      double[] b = theta.get(RankExpertsLinear.EXPERTS_B);
      boolean adaptive = router != null && router.adaptive();
      double total = 0;
      for (int token = 0; token < rows * tokens; token++) {
        int row = token / tokens;
        double[] soft = scores(theta, token);
        double[] gate = new double[experts];
        double[] keepSoft = adaptive ? keepSoft(theta, row) : null;
        for (int j = 0; j < config.topK(); j++) {
          gate[best0[token][j]] += adaptive
              ? (j <= chosen0[row] ? 1 : 0) + keepSoft[j] - keepSoft0[row][j]
              : 1;
        }
        for (int e = 0; e < experts; e++) {
          gate[e] += soft[e] - soft0[token][e];
        }
        double[] hidden = new double[experts];
        for (int e = 0; e < experts; e++) {
          hidden[e] = dot(a, e * in, input, token * in, in) * gate[e];
        }
        for (int o = 0; o < out; o++) {
          double y = baseBias[o] + dot(baseWeight, o * in, input, token * in, in)
              + config.scaling() * dot(b, o * experts, hidden, 0, experts);
          total += y * weights[token * out + o];
        }
      }
      if (adaptive) {
        double keep = 0;
        for (int row = 0; row < rows; row++) {
          keep += Arrays.stream(keepSoft(theta, row)).sum();
        }
        total += AdaptiveTaskGate.RANK_COST * keep / (rows * config.topK());
      }
      if (router == null && config.balance() > 0) {
        total += balanceLoss(theta);
      }
      if (router != null && router.contrastive() > 0) {
        total += contrastiveLoss(theta);
      }
      return total;
    }

    /**
     * A token's scores: {@code softmax(G e_t + c_t)}, t its row's task, or {@code softmax(W_r x)}.
     */
    private double[] scores(Map<String, double[]> theta, int token) {
      double[] logits = new double[experts];
      if (router != null) {
        int task = Math.toIntExact(taskIds[token / tokens]);
        double[] embedding = theta.get(RankExpertsLinear.TASK_EMBEDDING);
        double[] gate = theta.get(RankExpertsLinear.GATE);
        double[] offsets = theta.get(RankExpertsLinear.TASK_GATE);
        for (int e = 0; e < experts; e++) {
          logits[e] = dot(gate, e * in, embedding, task * in, in) + offsets[task * experts + e];
        }
      } else {
        double[] tokenRouter = theta.get(RankExpertsLinear.ROUTER);
        for (int e = 0; e < experts; e++) {
          logits[e] = dot(tokenRouter, e * in, input, token * in, in);
        }
      }
      return softmax(logits);
    }

    /** {@code p_t}: the row's task's distribution over ranks 1..topK. */
    private double[] rankProbabilities(Map<String, double[]> theta, int row) {
      int k = config.topK();
      int task = Math.toIntExact(taskIds[row]);
      double[] logits = theta.get(RankExpertsLinear.RANK_LOGITS);
      return softmax(Arrays.copyOfRange(logits, task * k, task * k + k));
    }

    /** {@code P(r ≥ j)} for positions j = 1..topK. */
    private double[] keepSoft(Map<String, double[]> theta, int row) {
      double[] p = rankProbabilities(theta, row);
      double[] keep = new double[p.length];
      double below = 0;
      for (int j = 0; j < p.length; j++) {
        keep[j] = 1 - below;
        below += p[j];
      }
      return keep;
    }

    /** {@code balance · R · Σ_i f_i P_i}, {@code f_i} from the frozen masks, {@code P_i} live. */
    private double balanceLoss(Map<String, double[]> theta) {
      int count = rows * tokens;
      double[] share = new double[experts];
      double[] meanScore = new double[experts];
      for (int token = 0; token < count; token++) {
        for (int e : best0[token]) {
          share[e] += 1.0 / count / config.topK();
        }
        double[] soft = scores(theta, token);
        for (int e = 0; e < experts; e++) {
          meanScore[e] += soft[e] / count;
        }
      }
      return config.balance() * experts * dot(share, 0, meanScore, 0, experts);
    }

    /** {@code −c · mean_rows log softmax_t(cos(x̄, e_t) / τ)[own task]}, x̄ a row's mean token. */
    private double contrastiveLoss(Map<String, double[]> theta) {
      int tasks = router.tasks().size();
      double[] embeddings = unitRows(theta.get(RankExpertsLinear.TASK_EMBEDDING), tasks);
      double[] states = new double[rows * in];
      for (int token = 0; token < rows * tokens; token++) {
        for (int j = 0; j < in; j++) {
          states[(token / tokens) * in + j] += input[token * in + j] / tokens;
        }
      }
      states = unitRows(states, rows);
      double picked = 0;
      for (int row = 0; row < rows; row++) {
        double[] logits = new double[tasks];
        for (int task = 0; task < tasks; task++) {
          logits[task] = dot(states, row * in, embeddings, task * in, in)
              / AbstractTaskGate.CONTRASTIVE_TEMPERATURE;
        }
        picked += Math.log(softmax(logits)[Math.toIntExact(taskIds[row])]);
      }
      return -router.contrastive() * picked / rows;
    }

    private double[] unitRows(double[] matrix, int count) {
      double[] unit = matrix.clone();
      for (int row = 0; row < count; row++) {
        double norm = Math.max(Math.sqrt(dot(matrix, row * in, matrix, row * in, in)), 1e-12);
        for (int j = 0; j < in; j++) {
          unit[row * in + j] /= norm;
        }
      }
      return unit;
    }

    private static double dot(double[] x, int xFrom, double[] y, int yFrom, int length) {
      double sum = 0;
      for (int i = 0; i < length; i++) {
        sum += x[xFrom + i] * y[yFrom + i];
      }
      return sum;
    }

    private static double[] softmax(double[] logits) {
      double max = Arrays.stream(logits).max().orElseThrow();
      double[] exp = Arrays.stream(logits).map(l -> Math.exp(l - max)).toArray();
      double sum = Arrays.stream(exp).sum();
      return Arrays.stream(exp).map(v -> v / sum).toArray();
    }
  }
}
