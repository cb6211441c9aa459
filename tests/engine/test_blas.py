"""BLAS thread choice: deterministic, and it remembers the original thread count."""

from rbm_gui.engine.blas import blas_controller, max_blas_threads, set_blas_threads, threads_for


def current():
    ctl = blas_controller()
    return max(lib.num_threads for lib in ctl.select(user_api="blas").lib_controllers) if ctl else 1


def test_small_products_take_one_thread_and_large_ones_all():
    assert threads_for(50, 784, 20) == 1
    assert threads_for(100, 784, 400) == max_blas_threads()


def test_limiting_to_one_thread_does_not_lower_what_large_models_get():
    original = max_blas_threads()
    set_blas_threads(1)
    try:
        assert current() == 1
        assert threads_for(100, 784, 400) == original
        set_blas_threads(threads_for(100, 784, 400))
        assert current() == original
    finally:
        set_blas_threads(original)


def test_the_controller_finds_numpys_blas_even_when_asked_before_numpy_is_imported():
    import subprocess
    import sys
    code = ("from rbm_gui.engine.blas import blas_controller, max_blas_threads\n"
            "import sys\nsys.exit(0 if blas_controller() is not None and max_blas_threads() >= 1 else 1)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
