package dev.rankwise.cli.study;

import dev.rankwise.cli.job.Placement;
import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TrainingConfig;
import java.util.Locale;

/**
 * How a grid runs one of its cells: the data the run reads, the base and where its adapters go, and
 * the trainer's settings.
 *
 * @param base the base model's name or Hugging Face id
 * @param placement where the method's adapters go
 * @param trainRows training rows per task, a fixed random subset (0 = all); a validation fraction
 *     comes out of them
 * @param testRows test rows per task, a fixed random subset (0 = all)
 * @param maxLength tokens per text
 * @param validationFraction the share of the training rows held out for validation (0: none)
 * @param scoreOnValidation score the run on its validation rows, not its test rows, which it then
 *     never reads (a tuning run)
 * @param config the trainer's settings, its learning rate resolved
 * @param sampling how each batch mixes the tasks
 */
public record RunPlan(String base, Placement placement, int trainRows, int testRows, int maxLength,
    double validationFraction, boolean scoreOnValidation, TrainingConfig config, TaskSampling sampling) {

  /** The runs that read the same texts of the same base share their frozen layers' states. */
  String sessionKey() {
    return String.format(Locale.ROOT, "%s/%d/%d/%d/%s/%s", base, trainRows, testRows, maxLength,
        validationFraction, scoreOnValidation);
  }
}
