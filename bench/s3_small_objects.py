"""PUT then GET of 4 KiB objects by 16 concurrent clients against an S3 endpoint, for a fixed time
each; prints "put_ops_per_s get_ops_per_s". Processes, not threads, so Python's lock does not
serialize the clients. Uses botocore (aws-cli 1.x carries its own copy, used when there is no other).

    python s3_small_objects.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET [SECONDS]
"""
import multiprocessing
import os
import sys
import time

try:
    import botocore.session as botocore_session
    from botocore.config import Config
except ImportError:
    import awscli.botocore.session as botocore_session
    from awscli.botocore.config import Config

CLIENTS = 16
BODY = os.urandom(4096)


def client(endpoint, access_key, secret_key):
    session = botocore_session.get_session()
    return session.create_client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}),
    )


def worker(args):
    endpoint, access_key, secret_key, bucket, seconds, index, written = args
    s3 = client(endpoint, access_key, secret_key)
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        key = f"small/{index}/{done}"
        if written is None:
            s3.put_object(Bucket=bucket, Key=key, Body=BODY)
        else:
            s3.get_object(Bucket=bucket, Key=f"small/{index}/{done % written}")["Body"].read()
        done += 1
    return done


def main():
    endpoint, access_key, secret_key, bucket = sys.argv[1:5]
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    with multiprocessing.Pool(CLIENTS) as pool:
        # The PUT round writes each client's objects; the GET round reads them back in turn.
        jobs = [(endpoint, access_key, secret_key, bucket, seconds, i, None) for i in range(CLIENTS)]
        written = pool.map(worker, jobs)
        jobs = [(endpoint, access_key, secret_key, bucket, seconds, i, n) for i, n in enumerate(written)]
        read = pool.map(worker, jobs)
    print(f"{sum(written) / seconds:.0f} {sum(read) / seconds:.0f}")


if __name__ == "__main__":
    main()
