# Reference run of surveillance::farringtonFlexible for test_temporal_matches_r.py.
#
#   Rscript farrington.R IN.csv OUT.csv [b] [w]
#
# IN.csv: series,period,count,total (period YYYY-MM, consecutive within a series; total may
# be absent: then no population offset). OUT.csv: series,period,observed,upper,alarm for the
# periods R evaluates (from b*12 + w + 1 on); upper is NA where limit54 is not met.
suppressPackageStartupMessages(library(surveillance))

args <- commandArgs(trailingOnly = TRUE)
b <- if (length(args) >= 3) as.integer(args[3]) else 3L
w <- if (length(args) >= 4) as.integer(args[4]) else 3L
input <- read.csv(args[1], colClasses = c(series = "character", period = "character"))
offset <- "total" %in% names(input)

out <- do.call(rbind, lapply(split(input, input$series), function(d) {
  d <- d[order(d$period), ]
  start <- as.integer(strsplit(d$period[1], "-")[[1]])
  series <- sts(observed = matrix(d$count),
                population = matrix(if (offset) d$total else rep(1, nrow(d))),
                start = start, frequency = 12)
  control <- list(b = b, w = w, alpha = 0.05, reweight = TRUE, weightsThreshold = 2.58,
                  trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4),
                  powertrans = "2/3", noPeriods = 1, thresholdMethod = "delta",
                  populationOffset = offset, glmWarnings = FALSE)
  result <- farringtonFlexible(series, control = control)
  range <- (12 * b + w + 1):nrow(d)
  data.frame(series = d$series[range], period = d$period[range],
             observed = as.vector(observed(result)),
             upper = as.vector(upperbound(result)),
             alarm = as.integer(as.vector(alarms(result))))
}))
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
