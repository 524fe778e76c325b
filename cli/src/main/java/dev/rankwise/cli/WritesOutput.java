package dev.rankwise.cli;

import java.nio.file.Path;

/**
 * A command that writes into a folder (adapters, checkpoints, reports): {@link RankwiseCli} runs it
 * holding that folder's {@link OutputLock}, so that two runs never write one folder at once.
 */
interface WritesOutput {

  /** The folder this run writes into, normally {@code --out}; null when this run writes nothing. */
  Path outputFolder();

  /**
   * The folder to lock for a run that writes {@code target}: {@code out} if the target lies inside
   * it, else the folder holding the target, so that the lock file stays out of the target itself.
   */
  static Path holding(Path out, Path target) {
    Path folder = target.toAbsolutePath().normalize();
    return folder.startsWith(out.toAbsolutePath().normalize()) || folder.getParent() == null ? out
        : folder.getParent();
  }
}
