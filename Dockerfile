# minispark in an empty image: the fully static binary is the only file, plus an empty /tmp for
# scratch space. No base image, so it builds without a registry.
#
# The binary is staged by `./docker-distributed-utils.sh build` (cargo build --release, then a copy
# into build/image/); .dockerignore keeps everything else out of the build context.
FROM scratch
COPY build/image/minispark /minispark
COPY build/image/tmp /tmp
ENV TMPDIR=/tmp
WORKDIR /
# /data: input (mounted ./data), /output: local results (mounted ./output), /storage: the S3 store.
VOLUME ["/data", "/output", "/storage"]
# master RPC and UI, worker UI, application UI and Spark Connect, S3 API and console
EXPOSE 7077 8080 8081 4040 15002 9000 9001
ENTRYPOINT ["/minispark"]
CMD ["--help"]
