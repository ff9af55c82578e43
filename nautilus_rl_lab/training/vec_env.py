"""`SharedMemoryVecEnv`: SB3 `VecEnv` with several envs per worker process and shared-memory results.

`SubprocVecEnv` runs one env per process and pickles each step's observation, reward, flags
and info dict through a pipe; on a 2-core machine its per-step overhead ate the parallelism
(2 processes delivered 0.70x of one in-process env). Here the envs are split into
`n_workers` groups stepped in parallel, each by one worker process, except the last, which
the main process steps itself meanwhile (`in_process`); actions, observations,
rewards and done flags live in arrays shared by all processes (a memory-mapped file that is
unlinked once every worker has mapped it, so nothing outlives the processes). A step crosses
no pipe: each worker has two semaphores, `go` (main -> worker) and `done` (worker -> main),
and both sides spin on a non-blocking acquire for up to `SPIN_SECONDS` before a blocking one
(a pipe round trip measured 30 us on a quiet 2-core VM, a semaphore round trip 3 us; waking a
process blocked in the kernel about 1.5 ms). The pipe carries only what does not fit the
arrays: the payload and answer of other commands, info dicts and errors.

Infos. With `infos="episode_end"` (default) a step's info dict is sent only when its
episode ends (complete, with SB3's `terminal_observation` and `TimeLimit.truncated`, and
`Monitor`'s `episode`); other steps get `{}`. `infos="every_step"` sends all of them (what
`SubprocVecEnv` does). `env_method`/`get_attr` work as in SB3, so any value is available on
request.

Auto-reset, seeds and reset options follow `DummyVecEnv` exactly, so the same env factories,
seeds and actions give the same trajectories (the determinism test proves it).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.env_util import is_wrapped
from stable_baselines3.common.vec_env.base_vec_env import (
    CloudpickleWrapper,
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.training.main_guard import check_main_guard
from nautilus_rl_lab.validation import check_choice

INFO_MODES = ("episode_end", "every_step")
# Both sides spin this long on a semaphore before blocking on it: waking a process blocked in
# the kernel costs a scheduler round trip (about 1.5 ms on a VM), more than a step; the spin
# loop yields the core to any other runnable process.
SPIN_SECONDS = 0.002
# A blocked side wakes this often to check that the other process is still alive.
ALIVE_CHECK_SECONDS = 0.1
_STEP, _RESET, _CALL, _GET, _HAS, _SET, _WRAPPED, _CLOSE = range(8)
# What a worker's `done` means: the step's results are in the arrays (`_QUIET`), or an answer
# (infos, another command's answer or an error) also waits on the pipe (`_ANSWER`).
_QUIET, _ANSWER = 0, 1


def _shape(space: gym.Space, name: str) -> tuple[int, ...]:
    """The fixed array shape of `space`'s values; other spaces (Dict, Tuple, ...) are refused."""
    if space.shape is None or space.dtype is None:
        raise ConfigError(
            f"`{name}` space {space} has no fixed array shape: SharedMemoryVecEnv needs Box, "
            "Discrete, MultiDiscrete or MultiBinary spaces (use `dummy` or `subproc`)"
        )
    return space.shape


def _layout(n_envs: int, spaces: tuple[gym.Space, gym.Space]) -> tuple[list[Any], int]:
    """(name, shape, dtype, offset) of each shared array and the total size in bytes."""
    blocks: list[tuple[str, tuple[int, ...], Any]] = [
        (name, _shape(space, name), space.dtype)
        for name, space in zip(("observations", "actions"), spaces, strict=True)
    ]
    blocks += [
        ("rewards", (), np.float32),
        ("dones", (), np.bool_),
        ("commands", (), np.int8),  # per env row; a worker reads its first row's
        ("answers", (), np.int8),  # `_QUIET` or `_ANSWER`, likewise
    ]
    layout: list[tuple[str, tuple[int, ...], Any, int]] = []
    size = 0
    for name, shape, dtype in blocks:
        layout.append((name, (n_envs, *shape), dtype, size))
        nbytes = n_envs * int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        size += -(-nbytes // 64) * 64  # 64-byte aligned blocks
    return layout, max(size, 1)


class _Buffers:
    """Actions, observations, rewards and done flags of all envs in one shared mapping."""

    def __init__(self, path: str, n_envs: int, spaces: tuple[gym.Space, gym.Space]) -> None:
        layout, size = _layout(n_envs, spaces)
        self.memory = np.memmap(path, dtype=np.uint8, mode="r+", shape=(size,))
        arrays = {
            name: np.ndarray(shape, dtype=dtype, buffer=self.memory, offset=offset)
            for name, shape, dtype, offset in layout
        }
        self.actions = arrays["actions"]
        self.observations = arrays["observations"]
        self.rewards = arrays["rewards"]
        self.dones = arrays["dones"]
        self.commands = arrays["commands"]
        self.answers = arrays["answers"]

    @staticmethod
    def create(n_envs: int, spaces: tuple[gym.Space, gym.Space]) -> tuple[str, _Buffers]:
        """A new zero-filled mapping, in RAM-backed storage (/dev/shm) where available."""
        directory = "/dev/shm" if os.path.isdir("/dev/shm") else None
        handle, path = tempfile.mkstemp(prefix="nrl-vec-", dir=directory)
        try:
            os.ftruncate(handle, _layout(n_envs, spaces)[1])
        finally:
            os.close(handle)
        return path, _Buffers(path, n_envs, spaces)


class _WorkerError:
    """Sent instead of a result when a worker's command raised: the traceback as text."""

    def __init__(self, text: str) -> None:
        self.text = text


_yield: Callable[[], None] = getattr(os, "sched_yield", lambda: None)


def _acquire(semaphore: Any, alive: Callable[[], bool]) -> bool:
    """Acquire `semaphore`, spinning for `SPIN_SECONDS` first; `False` once `alive()` is not."""
    if semaphore.acquire(False):
        return True
    deadline = time.perf_counter() + SPIN_SECONDS
    while time.perf_counter() < deadline:
        _yield()  # a process with work to do gets the core first
        if semaphore.acquire(False):
            return True
    while not semaphore.acquire(timeout=ALIVE_CHECK_SECONDS):
        if not alive():
            return False
    return True


def _recv(remote: Connection) -> Any:
    """`remote.recv()` after polling for up to `SPIN_SECONDS` (no sleep for a quick answer)."""
    deadline = time.perf_counter() + SPIN_SECONDS
    while not remote.poll() and time.perf_counter() < deadline:
        _yield()
    return remote.recv()


class _Worker:
    """The main process' end of one worker process: its pipe, semaphores and command row."""

    def __init__(self, process: Any, remote: Connection, go: Any, done: Any, row: int) -> None:
        self.process, self.remote, self.go, self.done, self.row = process, remote, go, done, row
        self.buffers: _Buffers | None = None

    def send(self, message: tuple[Any, Any]) -> None:
        """Start `message`'s command; only a step's goes without the pipe."""
        command = message[0]
        if self.buffers is None:  # the start-up handshake
            self.remote.send(message)
            return
        if command != _STEP:
            self.remote.send(message)
        self.buffers.commands[self.row] = command
        self.go.release()  # a release barrier: the worker sees the command and the actions

    def recv(self) -> Any:
        """The answer to the command sent last; the step's is `[]` or the infos it sent."""
        if self.buffers is None:
            return _recv(self.remote)
        if not _acquire(self.done, self.process.is_alive):
            raise EOFError
        if self.buffers.answers[self.row] == _QUIET:
            return []
        return _recv(self.remote)

    def close(self) -> None:
        self.remote.close()


def _receive(remotes: Sequence[_Worker | _InProcess]) -> list[Any]:
    """Every worker's answer, in order; then a worker's exception as `EnvironmentStateError`.

    All answers are read before raising, so the workers stay in step after an error.
    """
    answers: list[Any] = []
    for remote in remotes:
        try:
            answers.append(remote.recv())
        except EOFError:
            answers.append(_WorkerError("the worker process died"))
    for answer in answers:
        if isinstance(answer, _WorkerError):
            raise EnvironmentStateError(f"a SharedMemoryVecEnv worker failed:\n{answer.text}")
    return answers


def _parent_alive() -> bool:
    parent = mp.parent_process()
    return parent is None or parent.is_alive()


def _worker(
    remote: Connection,
    parent_remote: Connection,
    semaphores: tuple[Any, Any],
    first: int,
    env_fns: CloudpickleWrapper,
    every_step: bool,
) -> None:
    """A worker: builds its envs, then serves commands until `_CLOSE` or the main process ends."""
    parent_remote.close()
    go, done = semaphores
    envs: list[gym.Env] = []
    try:
        envs.extend(fn() for fn in env_fns.var)
        spaces = (envs[0].observation_space, envs[0].action_space)
        remote.send((*spaces, envs[0].render_mode))
        path, n_envs = remote.recv()
        buffers = _Buffers(path, n_envs, spaces)
        remote.send(None)
        rows = range(first, first + len(envs))
        while _acquire(go, _parent_alive):
            command = int(buffers.commands[first])
            payload = None if command == _STEP else remote.recv()[1]
            try:  # an answer that cannot be pickled is not sent: the error is
                answer = _serve(command, payload, envs, rows, buffers, every_step)
                quiet = command == _STEP and not answer
                if not quiet:
                    remote.send(answer)
            except Exception:
                quiet = False
                remote.send(_WorkerError(traceback.format_exc()))
            buffers.answers[first] = _QUIET if quiet else _ANSWER
            done.release()
            if command == _CLOSE:
                return
    except (EOFError, OSError):  # the main process went away
        return
    except Exception:  # building the envs failed
        remote.send(_WorkerError(traceback.format_exc()))
    finally:
        for env in envs:
            env.close()


def _serve(
    command: int,
    payload: Any,
    envs: list[gym.Env],
    rows: range,
    buffers: _Buffers,
    every_step: bool,
) -> Any:
    """Run one command on this worker's envs and return the answer to send."""
    if command == _STEP:
        return _step(envs, rows, buffers, every_step)
    if command == _RESET:
        return _reset(envs, rows, buffers, payload)
    if command == _CALL:
        indices, name, args, kwargs = payload
        return [envs[i].get_wrapper_attr(name)(*args, **kwargs) for i in indices]
    if command == _GET:
        indices, name = payload
        return [envs[i].get_wrapper_attr(name) for i in indices]
    if command == _HAS:
        indices, name = payload
        return [_has(envs[i], name) for i in indices]
    if command == _SET:
        indices, name, value = payload
        for i in indices:
            setattr(envs[i], name, value)
        return [None] * len(indices)
    if command == _WRAPPED:
        indices, wrapper_class = payload
        return [is_wrapped(envs[i], wrapper_class) for i in indices]
    return None  # _CLOSE


def _step(
    envs: list[gym.Env], rows: range, buffers: _Buffers, every_step: bool
) -> list[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """Step each env with its action, auto-resetting like `DummyVecEnv`.

    Returns (row, info, reset info or None) for the infos to send.
    """
    infos = []
    for env, row in zip(envs, rows, strict=True):
        observation, reward, terminated, truncated, info = env.step(buffers.actions[row].copy())
        done = terminated or truncated
        reset_info = None
        if done:
            info["terminal_observation"] = observation
            observation, reset_info = env.reset()
        buffers.observations[row] = observation
        buffers.rewards[row] = reward
        buffers.dones[row] = done
        if done or every_step:
            info["TimeLimit.truncated"] = truncated and not terminated
            infos.append((row, info, reset_info))
    return infos


def _reset(
    envs: list[gym.Env], rows: range, buffers: _Buffers, payload: list[tuple[Any, Any]]
) -> list[dict[str, Any]]:
    """Reset each env with its (seed, options); returns the reset infos."""
    infos = []
    for env, row, (seed, options) in zip(envs, rows, payload, strict=True):
        observation, info = env.reset(seed=seed, **({"options": options} if options else {}))
        buffers.observations[row] = observation
        infos.append(info)
    return infos


class _InProcess:
    """The group the main process steps itself, behind the worker pipe's `send`/`recv`.

    `send` runs the command at once: sent after the workers' commands, it runs while they
    step theirs; `recv` returns its answer.
    """

    def __init__(self, envs: list[gym.Env], rows: range, every_step: bool) -> None:
        self.envs, self.rows, self.every_step = envs, rows, every_step
        self.buffers: _Buffers | None = None
        self.answer: Any = None

    def send(self, message: tuple[int, Any]) -> None:
        command, payload = message
        if self.buffers is None:
            raise EnvironmentStateError("the in-process group has no shared buffers yet")
        try:
            self.answer = _serve(
                command, payload, self.envs, self.rows, self.buffers, self.every_step
            )
        except Exception:
            self.answer = _WorkerError(traceback.format_exc())

    def recv(self) -> Any:
        answer, self.answer = self.answer, None
        return answer

    def close(self) -> None:
        for env in self.envs:
            env.close()


def _has(env: gym.Env, name: str) -> bool:
    try:
        env.get_wrapper_attr(name)
    except AttributeError:
        return False
    return True


def _groups(n_envs: int, n_workers: int) -> list[range]:
    """Contiguous env index ranges, as even as possible, one per worker."""
    base, extra = divmod(n_envs, n_workers)
    groups, start = [], 0
    for worker in range(n_workers):
        size = base + (worker < extra)
        groups.append(range(start, start + size))
        start += size
    return groups


class SharedMemoryVecEnv(VecEnv):
    """SB3 `VecEnv`: `n_workers` groups of envs stepped in parallel; results through shared memory.

    `n_workers` defaults to `min(len(env_fns), os.cpu_count())`. With `in_process` (default)
    the main process steps the last group itself while `n_workers - 1` worker processes step
    theirs (on 2 cores: the main process and one worker, no process idles waiting); otherwise
    every group gets a worker process. `start_method` is `forkserver` by default ("fork" is
    unsafe once Nautilus' native threads run). Created from a script's top level without an
    `if __name__ == "__main__":` guard it raises `ConfigError` at once (`main_guard`): its
    workers would re-run the script and die.
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], gym.Env]],
        *,
        n_workers: int | None = None,
        start_method: str = "forkserver",
        infos: str = "episode_end",
        in_process: bool = True,
    ) -> None:
        n_envs = len(env_fns)
        if n_envs < 1:
            raise ConfigError("`env_fns` must hold at least one env factory")
        n_workers = min(n_envs, os.cpu_count() or 1) if n_workers is None else n_workers
        if not 1 <= n_workers <= n_envs:
            raise ConfigError(
                f"`n_workers` must be in [1, {n_envs}] (one env each), was {n_workers}"
            )
        check_choice("infos", infos, INFO_MODES)
        if n_workers > 1 or not in_process:
            check_main_guard(type(self).__name__, start_method)
        self.groups = _groups(n_envs, n_workers)
        every_step = infos == "every_step"
        context: Any = mp.get_context(start_method)
        remotes: list[_Worker] = []
        self.processes: list[Any] = []
        self.closed = False
        self.waiting = False
        for group in self.groups[:-1] if in_process else self.groups:
            remote, work_remote = context.Pipe()
            semaphores = (context.Semaphore(0), context.Semaphore(0))
            fns = CloudpickleWrapper([env_fns[i] for i in group])
            args = (work_remote, remote, semaphores, group.start, fns, every_step)
            process = context.Process(target=_worker, args=args, daemon=True)
            process.start()
            work_remote.close()
            remotes.append(_Worker(process, remote, *semaphores, group.start))
            self.processes.append(process)
        self.workers: list[_Worker | _InProcess] = list(remotes)
        try:
            spaces = []
            if in_process:  # built while the workers build theirs
                group = self.groups[-1]
                local = _InProcess([], group, every_step)
                self.workers.append(local)
                local.envs.extend(env_fns[i]() for i in group)
                env = local.envs[0]
                spaces.append((env.observation_space, env.action_space, env.render_mode))
            spaces = _receive(remotes) + spaces
            observation_space, action_space, render_mode = spaces[0]
            for other in spaces[1:]:
                if other[:2] != (observation_space, action_space):
                    raise ConfigError(
                        f"`env_fns` build envs with different spaces: {spaces[0][:2]} vs "
                        f"{other[:2]}"
                    )
            path, self.buffers = _Buffers.create(n_envs, (observation_space, action_space))
            try:
                for remote in remotes:
                    remote.send((path, n_envs))
                _receive(remotes)
            finally:
                os.unlink(path)  # every process keeps its mapping; nothing is left on disk
            for worker in self.workers:
                worker.buffers = self.buffers
        except BaseException:
            self._terminate()
            raise
        super().__init__(n_envs, observation_space, action_space)
        self.render_mode = render_mode

    # -- VecEnv API --------------------------------------------------------------------------

    def reset(self) -> VecEnvObs:
        """Reset every env with the pending seeds and options (cleared afterwards)."""
        for group, worker in zip(self.groups, self.workers, strict=True):
            worker.send((_RESET, [(self._seeds[i], self._options[i]) for i in group]))
        self.reset_infos = [info for answer in _receive(self.workers) for info in answer]
        self._reset_seeds()
        self._reset_options()
        return self.buffers.observations.copy()

    def step_async(self, actions: np.ndarray) -> None:
        """Write the actions to shared memory and start every worker."""
        self._check_running()
        self.buffers.actions[:] = np.asarray(actions).reshape(self.buffers.actions.shape)
        self.waiting = True
        for worker in self.workers:  # the in-process group last: it runs while workers do
            worker.send((_STEP, None))

    def step_wait(self) -> VecEnvStepReturn:
        """Collect the workers' results; infos are `{}` except where a worker sent one."""
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        self.waiting = False
        for answer in _receive(self.workers):
            for row, info, reset_info in answer:
                infos[row] = info
                if reset_info is not None:
                    self.reset_infos[row] = reset_info
        buffers = self.buffers
        return buffers.observations.copy(), buffers.rewards.copy(), buffers.dones.copy(), infos

    def close(self) -> None:
        """Stop the workers (their envs close) and release the shared memory; safe twice."""
        if self.closed:
            return
        for worker in self.workers:
            with contextlib.suppress(OSError, EOFError):
                if self.waiting:
                    worker.recv()
                worker.send((_CLOSE, None))
                worker.recv()
            worker.close()
        for process in self.processes:
            process.join()
        self.closed = True

    def get_images(self) -> Sequence[np.ndarray | None]:
        """Each env's `render()` output."""
        return self.env_method("render")

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """`attr_name` of each selected env."""
        return self._ask(_GET, indices, (attr_name,))

    def has_attr(self, attr_name: str) -> bool:
        """Whether every env has `attr_name` (through its wrappers)."""
        return all(self._ask(_HAS, None, (attr_name,)))

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set `attr_name` on each selected env."""
        self._ask(_SET, indices, (attr_name, value))

    def env_method(
        self,
        method_name: str,
        *method_args: Any,
        indices: VecEnvIndices = None,
        **method_kwargs: Any,
    ) -> list[Any]:
        """Call `method_name` on each selected env and return the results in env order."""
        return self._ask(_CALL, indices, (method_name, method_args, method_kwargs))

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        """Whether each selected env is wrapped in `wrapper_class`."""
        return self._ask(_WRAPPED, indices, (wrapper_class,))

    # -- helpers -----------------------------------------------------------------------------

    def _ask(self, command: int, indices: VecEnvIndices, args: tuple[Any, ...]) -> list[Any]:
        """Send `command` for the selected envs to their workers; results in `indices` order."""
        self._check_running()
        selected = list(self._get_indices(indices))
        asked = []
        for group, worker in zip(self.groups, self.workers, strict=True):
            local = [i - group.start for i in selected if i in group]
            if local:
                worker.send((command, (local, *args)))
                asked.append((worker, [group.start + i for i in local]))
        results: dict[int, Any] = {}
        answers = _receive([worker for worker, _ in asked])
        for (_, rows), answer in zip(asked, answers, strict=True):
            results.update(zip(rows, answer, strict=True))
        return [results[i] for i in selected]

    def _check_running(self) -> None:
        if self.closed:
            raise EnvironmentStateError("the SharedMemoryVecEnv is closed")

    def _terminate(self) -> None:
        for worker in self.workers:
            if isinstance(worker, _InProcess):
                worker.close()
        for process in self.processes:
            process.terminate()
            process.join()
        self.closed = True
