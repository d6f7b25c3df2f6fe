#!/bin/sh
# make.sh OUT: a count table from data/counts.csv (the "extraction").
set -eu
cp data/counts.csv "$1"
echo "made $1"
