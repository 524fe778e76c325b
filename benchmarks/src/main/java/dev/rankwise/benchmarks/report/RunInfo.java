package dev.rankwise.benchmarks.report;

import java.util.List;

/**
 * What a results file says about its run.
 *
 * @param date when the run started (ISO-8601, UTC)
 * @param machine CPU, cores, memory, OS and Java
 * @param ours our side: rankwise, DJL and libtorch versions, threads
 * @param reference the reference's side: Python, torch, BLAS, threads; or why it did not run
 * @param command the command that produced the file
 * @param seconds the run's wall time
 * @param checks that the reference computed what we did: loss and feature agreement, per setup
 * @param spread each training setup's ratio to the reference, run by run
 * @param profile where our training step's time goes, one line per operator group
 */
public record RunInfo(String date, String machine, String ours, String reference, String command, double seconds,
    List<String> checks, List<String> spread, List<String> profile) {}
